package dev.discovery.mesos.state;

import java.util.List;

/** One entry of a status's {@code container_status.network_infos}: the task's IPs on one network. */
public record NetworkInfo(String name, List<String> ipAddresses, List<PortMapping> portMappings) {
  /** Creates a network info; lists are copied. */
  public NetworkInfo {
    ipAddresses = List.copyOf(ipAddresses);
    portMappings = List.copyOf(portMappings);
  }
}
