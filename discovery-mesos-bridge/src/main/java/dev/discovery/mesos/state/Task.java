package dev.discovery.mesos.state;

import java.util.List;
import java.util.Objects;

/**
 * A task from the master state. {@code ports} is the expanded {@code resources.ports} range list
 * (host ports allocated on the agent), in the order Mesos lists them.
 */
public record Task(String id, String name, String frameworkId, String agentId, String state,
                   List<Label> labels, List<Integer> ports, List<TaskStatus> statuses,
                   Discovery discovery, Container container) {
  /** Creates a task; lists are copied, {@code discovery} and {@code container} may be null. */
  public Task {
    Objects.requireNonNull(id, "id");
    name = name == null ? "" : name;
    agentId = agentId == null ? "" : agentId;
    state = state == null ? "" : state;
    labels = List.copyOf(labels);
    ports = List.copyOf(ports);
    statuses = List.copyOf(statuses);
  }

  /** The value of the first label with this key (case-insensitive), or null. */
  public String label(String key) {
    for (Label l : labels) {
      if (l.key().equalsIgnoreCase(key)) {
        return l.value();
      }
    }
    return null;
  }

  /**
   * The {@code TASK_RUNNING} status with the greatest timestamp, or null. Mesos does not keep
   * statuses in order, so the list order means nothing.
   */
  public TaskStatus latestRunningStatus() {
    TaskStatus best = null;
    for (TaskStatus s : statuses) {
      if ("TASK_RUNNING".equals(s.state()) && (best == null || s.timestamp() > best.timestamp())) {
        best = s;
      }
    }
    return best;
  }

  /** The status with the greatest timestamp of any state, or null; health reports ride on it. */
  public TaskStatus latestStatus() {
    TaskStatus best = null;
    for (TaskStatus s : statuses) {
      if (best == null || s.timestamp() > best.timestamp()) {
        best = s;
      }
    }
    return best;
  }
}
