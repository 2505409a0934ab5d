package dev.discovery.mesos.plan;

import java.util.Objects;

/** A Mesos master known to the bridge (from ZooKeeper or {@code --mesos}), and whether it leads. */
public record MesosMaster(String ip, int port, boolean leader) {
  /** Creates a master entry. */
  public MesosMaster {
    Objects.requireNonNull(ip, "ip");
  }
}
