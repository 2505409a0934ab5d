package dev.discovery.mesos.state;

import java.util.List;

/**
 * One entry of a task's {@code statuses}. {@code healthy} is null when Mesos runs no health check
 * for the task.
 */
public record TaskStatus(String state, double timestamp, List<Label> labels,
                         List<NetworkInfo> networkInfos, Boolean healthy) {
  /** Creates a status; lists are copied. */
  public TaskStatus {
    labels = List.copyOf(labels);
    networkInfos = List.copyOf(networkInfos);
  }
}
