package dev.discovery.mesos.state;

import java.util.List;

/**
 * The networking part of a task's {@code container}: the Docker network mode ({@code HOST},
 * {@code BRIDGE}, {@code USER}, or empty) and every declared host-to-container port mapping.
 */
public record Container(String type, String dockerNetwork, List<PortMapping> portMappings) {
  /** Creates container info; null strings become empty, the list is copied. */
  public Container {
    type = type == null ? "" : type;
    dockerNetwork = dockerNetwork == null ? "" : dockerNetwork;
    portMappings = List.copyOf(portMappings);
  }
}
