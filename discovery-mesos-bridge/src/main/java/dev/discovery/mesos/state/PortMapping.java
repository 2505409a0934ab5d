package dev.discovery.mesos.state;

/** A container network's host-port to container-port mapping (Docker bridge, UCR/CNI port mapping). */
public record PortMapping(int hostPort, int containerPort, String protocol) {}
