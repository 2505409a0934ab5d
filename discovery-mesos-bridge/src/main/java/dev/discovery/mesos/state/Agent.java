package dev.discovery.mesos.state;

import java.util.Objects;

/**
 * A Mesos agent (formerly "slave") from the master state. {@code pid} is null when the state's pid
 * could not be parsed; such an agent is reported and skipped by planning, not fatal to the state.
 */
public record Agent(String id, String hostname, String rawPid, Pid pid) {
  /** Creates an agent. */
  public Agent {
    Objects.requireNonNull(id, "id");
    hostname = hostname == null ? "" : hostname;
    rawPid = rawPid == null ? "" : rawPid;
  }
}
