package dev.discovery.mesos.bridge;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The bridge's counters and gauges, rendered in the Prometheus text exposition format. */
final class Metrics {
  final LongAdder passes = new LongAdder();
  final LongAdder passFailures = new LongAdder();
  final LongAdder registrations = new LongAdder();
  final LongAdder deregistrations = new LongAdder();
  final LongAdder maintenanceChanges = new LongAdder();
  final LongAdder mesosErrors = new LongAdder();
  final AtomicLong tasksSeen = new AtomicLong();
  final AtomicLong servicesDesired = new AtomicLong();
  final AtomicLong lastPassNanos = new AtomicLong();
  final AtomicLong lastSuccessEpochMillis = new AtomicLong();
  final AtomicLong passNanosSum = new AtomicLong();
  private final Map<AgentCause, LongAdder> agentErrors = new ConcurrentHashMap<>();
  private final Map<String, Integer> agentsBackingOff = new ConcurrentHashMap<>();
  private volatile java.util.function.Supplier<String> role = () -> "active";

  /** Where the {@code mesos_bridge_role} gauge reads the bridge's role: {@code active}, {@code standby} or {@code electing}. */
  void role(java.util.function.Supplier<String> role) {
    this.role = role;
  }

  /**
   * Counts one failed call to {@code agent}; {@code cause} says how far it got ({@code unreachable},
   * {@code refused}, {@code bad_answer}, {@code not_sent}), so an agent that answers errors is not mistaken for
   * a dead one on a dashboard.
   */
  void agentError(String agent, String cause) {
    agentErrors.computeIfAbsent(new AgentCause(agent, cause), a -> new LongAdder()).increment();
  }

  /** Failed calls to {@code agent}, whatever their cause. */
  long agentErrors(String agent) {
    long n = 0;
    for (Map.Entry<AgentCause, LongAdder> e : agentErrors.entrySet()) {
      if (e.getKey().agent().equals(agent)) {
        n += e.getValue().sum();
      }
    }
    return n;
  }

  private record AgentCause(String agent, String cause) implements Comparable<AgentCause> {
    @Override
    public int compareTo(AgentCause o) {
      int c = agent.compareTo(o.agent);
      return c != 0 ? c : cause.compareTo(o.cause);
    }
  }

  void backingOff(String agent, boolean yes) {
    if (yes) {
      agentsBackingOff.put(agent, 1);
    } else {
      agentsBackingOff.remove(agent);
    }
  }

  void passDone(long nanos, boolean success, long epochMillis) {
    passes.increment();
    lastPassNanos.set(nanos);
    passNanosSum.addAndGet(nanos);
    if (success) {
      lastSuccessEpochMillis.set(epochMillis);
    } else {
      passFailures.increment();
    }
  }

  String render() {
    StringBuilder sb = new StringBuilder(1024);
    String now = role.get();
    sb.append("# HELP mesos_bridge_role This bridge's role, 1 for the current one: active (writes to Consul),"
            + " standby (another bridge is active) or electing (not yet placed in the leader election).\n")
        .append("# TYPE mesos_bridge_role gauge\n");
    for (String r : new String[] {"active", "standby", "electing"}) {
      sb.append("mesos_bridge_role{role=\"").append(r).append("\"} ").append(r.equals(now) ? 1 : 0).append('\n');
    }
    counter(sb, "mesos_bridge_passes_total", "Reconcile passes run (a standby runs none).", passes.sum());
    counter(sb, "mesos_bridge_pass_failures_total", "Passes skipped because no Mesos leader was known or its state"
        + " could not be read.", passFailures.sum());
    gauge(sb, "mesos_bridge_pass_duration_seconds", "Duration of the last pass.", lastPassNanos.get() / 1e9);
    counter(sb, "mesos_bridge_pass_seconds_total", "Total time spent in passes.",
        passNanosSum.get() / 1e9);
    gauge(sb, "mesos_bridge_last_success_timestamp_seconds", "When the last pass succeeded (Unix time).",
        lastSuccessEpochMillis.get() / 1e3);
    gauge(sb, "mesos_bridge_tasks_seen", "Running tasks in the last Mesos state.", tasksSeen.get());
    gauge(sb, "mesos_bridge_services_desired", "Services the last plan wanted in Consul.",
        servicesDesired.get());
    counter(sb, "mesos_bridge_registrations_total", "Services registered or updated in Consul.",
        registrations.sum());
    counter(sb, "mesos_bridge_deregistrations_total", "Services deregistered from Consul.",
        deregistrations.sum());
    counter(sb, "mesos_bridge_maintenance_changes_total", "Maintenance mode switched on or off.",
        maintenanceChanges.sum());
    counter(sb, "mesos_bridge_mesos_errors_total", "Failed reads of the Mesos master state.", mesosErrors.sum());
    sb.append("# HELP mesos_bridge_agent_errors_total Failed calls per Consul agent, by cause: unreachable (no"
            + " answer), refused (an HTTP error status), bad_answer (a body the bridge cannot use), not_sent.\n")
        .append("# TYPE mesos_bridge_agent_errors_total counter\n");
    new TreeMap<>(agentErrors).forEach((key, n) -> sb.append("mesos_bridge_agent_errors_total{agent=\"")
        .append(escape(key.agent())).append("\",cause=\"").append(escape(key.cause())).append("\"} ")
        .append(n.sum()).append('\n'));
    gauge(sb, "mesos_bridge_agents_backing_off", "Consul agents whose last pass failed (unreachable, or their"
        + " services could not be read) and that are retried with back-off.", agentsBackingOff.size());
    return sb.toString();
  }

  private static void counter(StringBuilder sb, String name, String help, double value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(fmt(value)).append('\n');
  }

  private static void gauge(StringBuilder sb, String name, String help, double value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(fmt(value)).append('\n');
  }

  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
