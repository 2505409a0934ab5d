package dev.discovery.mesos.zk;

/**
 * Why ZooKeeper, read successfully, names no leading Mesos master: each case has another cause and another fix,
 * so the bridge says which one it is in.
 *
 * @param reason which case
 * @param detail what was found, e.g. the unreadable node and why; never credentials
 */
public record NoLeader(Reason reason, String detail) {
  /** The cases in which a successful read finds no leader. */
  public enum Reason {
    /** The Mesos path does not exist: --zk may name another path than the masters' own --zk. */
    PATH_MISSING,
    /** The path exists but holds no {@code json.info_} node: no master is running (or registered yet). */
    NO_MASTERS,
    /** The lowest {@code json.info_} node, the leader's, cannot be parsed as a MasterInfo. */
    LEADER_UNREADABLE
  }
}
