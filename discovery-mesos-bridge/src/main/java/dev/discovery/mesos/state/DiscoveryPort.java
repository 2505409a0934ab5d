package dev.discovery.mesos.state;

import java.util.List;

/** A port from a task's DiscoveryInfo; {@code name} is empty when the framework gave none. */
public record DiscoveryPort(int number, String protocol, String name, List<Label> labels) {
  /** Creates a port; labels are copied and null strings become empty. */
  public DiscoveryPort {
    protocol = protocol == null ? "" : protocol;
    name = name == null ? "" : name;
    labels = List.copyOf(labels);
  }
}
