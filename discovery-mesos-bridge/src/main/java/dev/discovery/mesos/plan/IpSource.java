package dev.discovery.mesos.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Where a task's IP may come from, tried in the order of {@code --mesos-ip-order}. */
public enum IpSource {
  /** {@code container_status.network_infos[].ip_addresses[]} of the latest running status. */
  NETINFO,
  /** The status label {@code MesosContainerizer.NetworkSettings.IPAddress}. */
  MESOS,
  /** The status label {@code Docker.NetworkSettings.IPAddress}. */
  DOCKER,
  /** The agent's own IP (from its pid). */
  HOST;

  /**
   * Parses a comma-separated order such as {@code netinfo,mesos,host}.
   *
   * @throws IllegalArgumentException naming the unknown entry and the valid ones
   */
  public static List<IpSource> parseOrder(String csv) {
    List<IpSource> order = new ArrayList<>();
    for (String part : csv.split(",")) {
      String name = part.trim();
      if (name.isEmpty()) {
        continue;
      }
      IpSource source;
      try {
        source = valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown entry \"" + name
            + "\"; use a comma-separated list of netinfo, mesos, docker, host");
      }
      if (!order.contains(source)) {
        order.add(source);
      }
    }
    if (order.isEmpty()) {
      throw new IllegalArgumentException("empty; use a comma-separated list of netinfo, mesos, docker, host");
    }
    return List.copyOf(order);
  }
}
