package dev.discovery.mesos.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The output of planning: for each host whose Consul agent receives registrations (keyed by the
 * host's IP as Mesos reports it), the desired services by ID. Also counts and per-task warnings.
 */
public final class Plan {
  private final Map<String, Map<String, DesiredService>> byHost;
  private final int runningTasks;
  private final int registeredTasks;
  private final List<String> warnings;

  Plan(Map<String, Map<String, DesiredService>> byHost, int runningTasks, int registeredTasks,
       List<String> warnings) {
    Map<String, Map<String, DesiredService>> copy = new TreeMap<>();
    byHost.forEach((h, s) -> copy.put(h, Collections.unmodifiableMap(new LinkedHashMap<>(s))));
    this.byHost = Collections.unmodifiableMap(copy);
    this.runningTasks = runningTasks;
    this.registeredTasks = registeredTasks;
    this.warnings = List.copyOf(warnings);
  }

  /** Desired services per host, hosts in sorted order, services in planning order. */
  public Map<String, Map<String, DesiredService>> byHost() {
    return byHost;
  }

  /** The desired services of one host, empty if none. */
  public Map<String, DesiredService> forHost(String host) {
    return byHost.getOrDefault(host, Map.of());
  }

  /** Number of desired services over all hosts. */
  public int serviceCount() {
    int n = 0;
    for (Map<String, DesiredService> s : byHost.values()) {
      n += s.size();
    }
    return n;
  }

  /** Tasks in {@code TASK_RUNNING} on a known agent in an allowed framework. */
  public int runningTasks() {
    return runningTasks;
  }

  /** Running tasks that passed the name filters and produced at least one service. */
  public int registeredTasks() {
    return registeredTasks;
  }

  /** Things planning skipped and why (unparseable agent pid, duplicate ID, ...). */
  public List<String> warnings() {
    return warnings;
  }

  /** A human-readable listing, one service per line, for {@code --dry-run}. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    byHost.forEach((host, services) -> {
      sb.append("agent ").append(host).append(": ").append(services.size()).append(" service(s)\n");
      for (DesiredService s : services.values()) {
        sb.append("  ").append(s.id()).append("  name=").append(s.name()).append(" address=")
            .append(s.address()).append(" port=").append(s.port()).append(" tags=").append(s.tags());
        if (s.check() != null) {
          sb.append(" check=").append(s.check().fingerprint());
        }
        if (s.unhealthy()) {
          sb.append(" MAINTENANCE(").append(s.maintenanceReason()).append(')');
        }
        sb.append('\n');
      }
    });
    for (String w : warnings) {
      sb.append("warning: ").append(w).append('\n');
    }
    return sb.toString();
  }

  static Plan of(Map<String, Map<String, DesiredService>> byHost, int running, int registered,
                 List<String> warnings) {
    return new Plan(byHost, running, registered, new ArrayList<>(warnings));
  }
}
