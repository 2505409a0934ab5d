package dev.discovery.mesos.bridge;

import dev.discovery.mesos.plan.DesiredService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings each Consul agent in line with the plan. Per agent: read its services; register what is
 * missing or differs (name, address, port, tags, check, task); deregister a service the bridge owns
 * (its ID prefix) only once it has been missing from the plan for {@code heartbeatsBeforeRemove}
 * passes; never touch any other service; switch maintenance mode only where Mesos health and what the agent
 * reports differ. Maintenance is read from the agent each pass, never remembered, so a service left in
 * maintenance by an earlier run (before a restart, or by another bridge before a leader change) is lifted
 * once its task is healthy, and one already in maintenance for an unhealthy task costs no write.
 * Agents are reconciled in parallel, so a dead agent costs its own time-out and no more; it is then
 * skipped with exponential back-off, and what the bridge knows about it is kept.
 */
final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

  private final ConsulAgents agents;
  private final String ownedPrefix;
  private final int heartbeatsBeforeRemove;
  private final boolean dryRun;
  private final Metrics metrics;
  private final ExecutorService pool;
  private final LongSupplier nanoTime;
  private final Duration baseBackoff;
  private final Duration maxBackoff;
  private final Map<String, AgentState> states = new ConcurrentHashMap<>();

  Reconciler(ConsulAgents agents, String idPrefix, int heartbeatsBeforeRemove, boolean dryRun, Metrics metrics,
             ExecutorService pool, LongSupplier nanoTime, Duration baseBackoff, Duration maxBackoff) {
    if (heartbeatsBeforeRemove < 1) {
      throw new IllegalArgumentException("heartbeatsBeforeRemove must be at least 1");
    }
    this.agents = Objects.requireNonNull(agents, "agents");
    this.ownedPrefix = idPrefix + ":";
    this.heartbeatsBeforeRemove = heartbeatsBeforeRemove;
    this.dryRun = dryRun;
    this.metrics = metrics;
    this.pool = pool;
    this.nanoTime = nanoTime;
    this.baseBackoff = baseBackoff;
    this.maxBackoff = maxBackoff;
  }

  /**
   * The reconciler a bridge with these flags runs (also what {@link InternalBridgeAccess} builds for the
   * benchmarks, so both stay the same by construction).
   */
  static Reconciler from(BridgeConfig cfg, ConsulAgents agents, Metrics metrics, ExecutorService pool) {
    return new Reconciler(agents, cfg.plan.serviceIdPrefix(), cfg.heartbeatsBeforeRemove, cfg.dryRun, metrics, pool,
        System::nanoTime, cfg.agentRetryBase, cfg.agentRetryMax);
  }

  /** What one pass did. */
  record Result(int agentsReconciled, int agentsFailed, int agentsDeferred, int agentsSkipped, int registered,
                int deregistered, int maintenanceChanges, int errors, List<String> dryRunActions) {}

  /** Agents the reconciler still tracks: planned ones and those where it has seen its own services. */
  Set<String> knownAgents() {
    return new TreeSet<>(states.keySet());
  }

  /** Forgets all per-agent memory, e.g. after this bridge regains leadership. */
  void reset() {
    states.clear();
  }

  /** Runs one pass over every planned agent and every agent known to hold the bridge's services. */
  Result reconcile(Map<String, Map<String, DesiredService>> desired) throws InterruptedException {
    return reconcile(desired, () -> true);
  }

  /**
   * Like {@link #reconcile(Map)}, but an agent is left alone once {@code leading} says this bridge no longer
   * leads: under leader election another bridge writes from then on.
   */
  Result reconcile(Map<String, Map<String, DesiredService>> desired, BooleanSupplier leading)
      throws InterruptedException {
    Set<String> targets = new TreeSet<>(desired.keySet());
    targets.addAll(states.keySet());
    List<Future<AgentOutcome>> futures = new ArrayList<>();
    for (String agent : targets) {
      AgentState st = states.computeIfAbsent(agent, a -> new AgentState());
      Map<String, DesiredService> want = desired.getOrDefault(agent, Map.of());
      futures.add(pool.submit(() -> leading.getAsBoolean() ? reconcileAgent(agent, st, want) : skipped()));
    }
    int ok = 0;
    int failed = 0;
    int deferred = 0;
    int skipped = 0;
    int reg = 0;
    int dereg = 0;
    int maint = 0;
    int errors = 0;
    List<String> wouldDo = new ArrayList<>();
    for (Future<AgentOutcome> f : futures) {
      AgentOutcome o;
      try {
        o = f.get();
      } catch (ExecutionException e) {
        LOG.error("bug: reconciling an agent threw", e.getCause());
        failed++;
        continue;
      }
      switch (o.status) {
        case OK -> ok++;
        case FAILED -> failed++;
        case DEFERRED -> deferred++;
        case SKIPPED -> skipped++;
      }
      reg += o.registered;
      dereg += o.deregistered;
      maint += o.maintenance;
      errors += o.errors;
      wouldDo.addAll(o.wouldDo);
    }
    return new Result(ok, failed, deferred, skipped, reg, dereg, maint, errors, List.copyOf(wouldDo));
  }

  private enum Status { OK, FAILED, DEFERRED, SKIPPED }

  private static AgentOutcome skipped() {
    AgentOutcome out = new AgentOutcome();
    out.status = Status.SKIPPED;
    return out;
  }

  private static final class AgentOutcome {
    Status status = Status.OK;
    int registered;
    int deregistered;
    int maintenance;
    int errors;
    final List<String> wouldDo = new ArrayList<>();

    void would(String action) {
      wouldDo.add(action);
      LOG.info("dry run: would {}", action);
    }
  }

  /** Per-agent memory: missed passes per owned ID, back-off. Touched by one thread at a time. */
  private static final class AgentState {
    final Map<String, Integer> missing = new HashMap<>();
    int failures;
    long retryAtNanos;
    AgentCallException.Kind lastFailure;
  }

  private AgentOutcome reconcileAgent(String agent, AgentState st, Map<String, DesiredService> want) {
    AgentOutcome out = new AgentOutcome();
    synchronized (st) {
      if (st.failures > 0 && nanoTime.getAsLong() - st.retryAtNanos < 0) {
        out.status = Status.DEFERRED;
        return out;
      }
      try {
        reconcileReachable(agent, st, want, out);
        if (st.failures > 0) {
          // Say what recovered: an agent that answered errors was never unreachable.
          LOG.info(st.lastFailure == AgentCallException.Kind.UNREACHABLE
                  ? "Consul agent {} is reachable again after {} failed pass(es)"
                  : "the services of Consul agent {} can be read again after {} failed pass(es)",
              agents.describe(agent), st.failures);
        }
        st.failures = 0;
        st.lastFailure = null;
        metrics.backingOff(agent, false);
        if (want.isEmpty() && st.missing.isEmpty()) {
          // Nothing planned here and nothing of ours left: stop visiting this agent.
          states.remove(agent, st);
        }
      } catch (AgentCallException e) {
        out.status = Status.FAILED;
        if (Thread.currentThread().isInterrupted()) {
          // The bridge is stopping and cut the call short: the agent is not to blame, nothing to retry.
          LOG.debug("reconciling Consul agent {} stopped: the bridge is shutting down ({})", agents.describe(agent),
              e.getMessage());
          return out;
        }
        st.failures++;
        st.lastFailure = e.kind();
        long delay = backoff(st.failures).toNanos();
        st.retryAtNanos = nanoTime.getAsLong() + delay;
        out.errors++;
        metrics.agentError(agent, e.kind().label());
        metrics.backingOff(agent, true);
        long seconds = Duration.ofNanos(delay).toSeconds();
        if (e.kind() == AgentCallException.Kind.TLS) {
          LOG.warn("Consul agent {} answered, but TLS with it failed ({}); its services are kept and it is retried"
              + " in {} s", agents.describe(agent), e.getMessage(), seconds);
        } else if (e.unreachable()) {
          LOG.warn("Consul agent {} unreachable ({}); its services are kept and it is retried in {} s",
              agents.describe(agent), e.getMessage(), seconds);
        } else {
          // Only the listing can fail this way (a refused write is handled per service in call()): the agent
          // answered, so it is up, but without its services nothing can be compared or written there.
          LOG.warn("Consul agent {} answered, but its services could not be read, so nothing was changed on it"
                  + " this pass ({}); its services are kept and it is retried in {} s",
              agents.describe(agent), e.getMessage(), seconds);
        }
      }
    }
    return out;
  }

  private void reconcileReachable(String agent, AgentState st, Map<String, DesiredService> want,
                                  AgentOutcome out) throws AgentCallException {
    List<RemoteService> remote = agents.services(agent);
    Map<String, RemoteService> owned = new HashMap<>();
    for (RemoteService r : remote) {
      if (r.id().startsWith(ownedPrefix)) {
        owned.put(r.id(), r);
      }
    }
    for (DesiredService s : want.values()) {
      RemoteService r = owned.get(s.id());
      st.missing.remove(s.id());
      if (r == null || !matches(s, r)) {
        if (dryRun) {
          out.would((r == null ? "register " : "update ") + s.id() + " on " + agents.describe(agent));
        } else if (call(agent, out, () -> agents.register(agent, s), "register " + s.id())) {
          out.registered++;
          metrics.registrations.increment();
        } else {
          continue;
        }
      }
      // A new service starts out of maintenance; a re-registered one keeps its maintenance check in Consul.
      boolean inMaintenance = r != null && r.maintenance();
      if (s.unhealthy() != inMaintenance) {
        if (dryRun) {
          out.would("turn maintenance " + (s.unhealthy() ? "on" : "off") + " for " + s.id() + " on "
              + agents.describe(agent));
        } else if (call(agent, out, () -> agents.maintenance(agent, s.id(), s.unhealthy(),
            s.unhealthy() ? s.maintenanceReason() : ""), "maintenance " + s.id())) {
          out.maintenance++;
          metrics.maintenanceChanges.increment();
        }
      }
    }
    Set<String> stale = new HashSet<>(owned.keySet());
    stale.removeAll(want.keySet());
    for (String id : stale) {
      int missed = st.missing.merge(id, 1, Integer::sum);
      if (missed < heartbeatsBeforeRemove) {
        LOG.debug("{} missing from Mesos for {} of {} pass(es) on {}", id, missed, heartbeatsBeforeRemove,
            agents.describe(agent));
        continue;
      }
      if (dryRun) {
        out.would("deregister " + id + " from " + agents.describe(agent));
      } else if (call(agent, out, () -> agents.deregister(agent, id), "deregister " + id)) {
        st.missing.remove(id);
        out.deregistered++;
        metrics.deregistrations.increment();
      }
    }
    // Forget counters for services that vanished from the agent by other means.
    st.missing.keySet().retainAll(owned.keySet());
  }

  private interface Call {
    void run() throws AgentCallException;
  }

  /**
   * Runs one write; an unreachable agent aborts the agent's pass, any other failure is logged, naming what the
   * agent answered (or that the request was never sent), and counted.
   */
  private boolean call(String agent, AgentOutcome out, Call c, String what) throws AgentCallException {
    try {
      c.run();
      return true;
    } catch (AgentCallException e) {
      if (e.unreachable()) {
        throw e;
      }
      out.errors++;
      metrics.agentError(agent, e.kind().label());
      switch (e.kind()) {
        case REFUSED -> LOG.warn("Consul agent {} refused to {}: {}", agents.describe(agent), what, e.getMessage());
        case BAD_ANSWER -> LOG.warn("Consul agent {} gave an answer the bridge cannot use to {}: {}",
            agents.describe(agent), what, e.getMessage());
        default -> LOG.warn("the bridge did not ask Consul agent {} to {}: {}", agents.describe(agent), what,
            e.getMessage());
      }
      return false;
    }
  }

  static boolean matches(DesiredService s, RemoteService r) {
    return s.name().equals(r.name()) && s.address().equals(r.address()) && s.port() == r.port()
        && new HashSet<>(s.tags()).equals(new HashSet<>(r.tags()))
        && s.tags().size() == r.tags().size()
        && s.meta().equals(ownMeta(r.meta()));
  }

  /** Only the meta keys the bridge writes count; others (added by Consul or people) are not a difference. */
  private static Map<String, String> ownMeta(Map<String, String> remote) {
    Map<String, String> m = new HashMap<>();
    for (String k : List.of(DesiredService.META_TASK_ID, DesiredService.META_CHECK)) {
      String v = remote.get(k);
      if (v != null) {
        m.put(k, v);
      }
    }
    return m;
  }

  private Duration backoff(int failures) {
    Duration d = baseBackoff;
    for (int i = 1; i < failures && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}
