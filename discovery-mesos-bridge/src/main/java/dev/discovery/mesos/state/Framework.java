package dev.discovery.mesos.state;

import java.util.List;

/** A framework from the master state, with its current tasks. */
public record Framework(String id, String name, List<Task> tasks) {
  /** Creates a framework; tasks are copied. */
  public Framework {
    id = id == null ? "" : id;
    name = name == null ? "" : name;
    tasks = List.copyOf(tasks);
  }
}
