package dev.discovery.spring.health;

import dev.discovery.consul.Registration;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decides the starter's health, independent of which Spring Boot health API shows it: UP while lookups
 * would be answered, DOWN only when they would fail. A failing refresh while a fresh-enough answer is served
 * is UP (with {@code stale: true}); a query whose last good answer is older than the maximum staleness, or that
 * never got one while the registry fails, is DOWN; with no query watched yet, an agent that cannot be reached
 * or refuses the token is DOWN (a first lookup would fail).
 *
 * <p>Details: the backend, the agent probe (reachable, error), each watched query (instances, staleness in
 * seconds, stale, last error) and the self-registration. No token appears in any of them.
 */
public final class DiscoveryHealth {
  private final String backend;
  private final QueryStates queries;
  private final Duration maxStaleness;
  private final AgentProbe probe;
  private final Supplier<Registration> registration;

  /** The outcome: whether lookups work, and what to show. */
  public record Report(boolean up, Map<String, Object> details) {}

  /**
   * @param probe the agent probe, or {@code null} when lookups do not go to the agent's HTTP API (DNS)
   * @param registration the self-registration, or a supplier of {@code null} when none
   */
  public DiscoveryHealth(String backend, QueryStates queries, Duration maxStaleness, AgentProbe probe,
      Supplier<Registration> registration) {
    this.backend = backend;
    this.queries = queries;
    this.maxStaleness = maxStaleness;
    this.probe = probe;
    this.registration = registration;
  }

  /** Evaluates now: one agent request when there is a probe, else memory reads only. */
  public Report evaluate() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("backend", backend);
    boolean up = true;
    AgentProbe.Result agent = null;
    if (probe != null) {
      agent = probe.probe();
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("address", probe.agent());
      a.put("reachable", agent.reachable());
      if (agent.tokenRefused()) {
        a.put("tokenRefused", true);
      }
      if (agent.error() != null) {
        a.put("error", agent.error());
      }
      details.put("agent", a);
    }
    List<QueryStates.QueryHealth> watched = queries.snapshot();
    Map<String, Object> q = new LinkedHashMap<>();
    for (QueryStates.QueryHealth h : watched) {
      Map<String, Object> d = new LinkedHashMap<>();
      boolean answered = !Double.isNaN(h.stalenessSeconds());
      boolean failing = h.stale() && (!answered || h.stalenessSeconds() > maxStaleness.toMillis() / 1000.0);
      d.put("status", failing ? "DOWN" : h.stale() ? "STALE" : answered ? "UP" : "LOADING");
      d.put("instances", h.instances());
      if (answered) {
        d.put("stalenessSeconds", Math.round(h.stalenessSeconds() * 1000) / 1000.0);
      }
      d.put("stale", h.stale());
      if (h.lastError() != null) {
        d.put("error", h.lastError());
      }
      q.put(h.query().toString(), d);
      up &= !failing;
    }
    details.put("queries", q);
    details.put("maxStalenessSeconds", maxStaleness.toSeconds());
    if (watched.isEmpty() && agent != null && (!agent.reachable() || agent.tokenRefused())) {
      up = false;
    }
    Registration reg = registration.get();
    if (reg != null) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("service", reg.service().name());
      r.put("id", reg.service().id());
      r.put("healthy", reg.healthy());
      details.put("registration", r);
    }
    return new Report(up, details);
  }
}
