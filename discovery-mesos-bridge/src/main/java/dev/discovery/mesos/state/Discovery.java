package dev.discovery.mesos.state;

import java.util.List;

/** A task's DiscoveryInfo: the name and ports its framework advertises. */
public record Discovery(String name, List<DiscoveryPort> ports, List<Label> labels) {
  /** Creates discovery info; lists are copied. */
  public Discovery {
    name = name == null ? "" : name;
    ports = List.copyOf(ports);
    labels = List.copyOf(labels);
  }
}
