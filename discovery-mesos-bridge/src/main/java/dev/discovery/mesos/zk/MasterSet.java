package dev.discovery.mesos.zk;

import java.util.List;

/** What ZooKeeper says about the masters: the leader (null when none is elected) and all of them. */
public record MasterSet(MasterInfo leader, List<MasterInfo> masters) {
  /** An empty set: no master registered. */
  public static final MasterSet NONE = new MasterSet(null, List.of());

  /** Creates a set; the list is copied. */
  public MasterSet {
    masters = List.copyOf(masters);
  }
}
