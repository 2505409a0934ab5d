package dev.discovery.consul;

import dev.discovery.Health;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;

/**
 * A {@link Registration}: one heartbeat at a time on the shared scheduler, each an asynchronous call, so a
 * hundred registrations on slow agents never tie up a thread. The heartbeat passes every TTL check; if the
 * agent answers that it does not know a check (404, or the 500 older agents send), the service is
 * registered again.
 */
final class ManagedRegistration implements Registration {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ManagedRegistration.class);
  /** How often a service without TTL checks is looked up to notice that the agent forgot it. */
  static final Duration PRESENCE_INTERVAL = Duration.ofSeconds(30);

  private final ConsulAgent agent;
  private final ServiceRegistration registration;
  private final ServiceRegistration live;
  private final ScheduledExecutorService scheduler;
  private final List<String> ttlCheckIds = new ArrayList<>();
  private final Duration interval;
  private final Object lock = new Object();
  private boolean closed;
  private boolean failing;
  private ScheduledFuture<?> next;
  private CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);
  private volatile boolean healthy = true;

  ManagedRegistration(ConsulAgent agent, ServiceRegistration registration, ServiceRegistration live,
      ScheduledExecutorService scheduler) {
    this.agent = agent;
    this.registration = registration;
    this.live = live;
    this.scheduler = scheduler;
    Duration shortest = null;
    List<String> ids = live.checkIds();
    for (int i = 0; i < live.checks().size(); i++) {
      CheckDefinition c = live.checks().get(i);
      if (c.kind() == CheckDefinition.Kind.TTL) {
        ttlCheckIds.add(ids.get(i));
        shortest = shortest == null || c.ttl().compareTo(shortest) < 0 ? c.ttl() : shortest;
      }
    }
    this.interval = heartbeatInterval(shortest);
  }

  /** A third of the shortest TTL, so two heartbeats may be lost before the check expires. */
  static Duration heartbeatInterval(Duration shortestTtl) {
    if (shortestTtl == null) {
      return PRESENCE_INTERVAL;
    }
    Duration third = shortestTtl.dividedBy(3);
    return third.compareTo(Duration.ofMillis(10)) < 0 ? Duration.ofMillis(10) : third;
  }

  /** The registration actually sent: TTL checks without an initial status start passing (the app is up). */
  static ServiceRegistration passingFromStart(ServiceRegistration reg) {
    List<CheckDefinition> checks = new ArrayList<>();
    boolean changed = false;
    for (CheckDefinition c : reg.checks()) {
      if (c.kind() == CheckDefinition.Kind.TTL && c.initialStatus() == null) {
        checks.add(c.initialStatus(Health.PASSING));
        changed = true;
      } else {
        checks.add(c);
      }
    }
    return changed ? reg.withChecks(checks) : reg;
  }

  Duration interval() {
    return interval;
  }

  void start() {
    schedule();
  }

  private void schedule() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      try {
        next = scheduler.schedule(this::beat, interval.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // the agent's connections were released
      }
    }
  }

  private void beat() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      inFlight = heartbeat()
          .thenCompose(forgotten -> forgotten ? reRegister() : CompletableFuture.completedFuture(null))
          .whenComplete((ok, error) -> {
            afterBeat(error);
            schedule();
          });
    }
  }

  /** Completes with whether the agent has forgotten the service. */
  private CompletableFuture<Boolean> heartbeat() {
    if (ttlCheckIds.isEmpty()) {
      Request.Builder get = new Request.Builder().url(agent.url("v1/agent/service", live.id())).get();
      return agent.sendAsync(get).thenApply(r -> {
        if (r.code == 200) {
          return false;
        }
        if (r.code == 404) {
          return true;
        }
        throw new CompletionException(agent.failure(r, "look up service '" + live.id() + "'", live.name(),
            "service:read on '" + live.name() + "'"));
      });
    }
    CompletableFuture<Boolean> chain = CompletableFuture.completedFuture(false);
    for (String checkId : ttlCheckIds) {
      chain = chain.thenCompose(forgotten -> forgotten
          ? CompletableFuture.completedFuture(true)
          : agent.sendAsync(ConsulAgent.put(agent.ttlUrl("pass", checkId, null), null))
              .thenApply(r -> {
                if (r.code == 200) {
                  return false;
                }
                if (forgottenCheck(r.code, r.body)) {
                  return true;
                }
                throw new CompletionException(agent.failure(r, "pass TTL check '" + checkId + "'", live.name(),
                    "service:write on '" + live.name() + "'"));
              }));
    }
    return chain;
  }

  /** 404 from current agents; older agents answered 500 with one of these texts for an unknown check. */
  static boolean forgottenCheck(int code, String body) {
    return code == 404
        || code == 500 && (body.contains("does not have associated TTL") || body.contains("Unknown check"));
  }

  private CompletableFuture<Void> reRegister() {
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.completedFuture(null);
      }
    }
    LOG.info("consul agent {} has forgotten service '{}'; registering it again", agent.uri(), live.id());
    return agent.sendAsync(ConsulAgent.put(agent.url("v1/agent/service/register"), AgentJson.registration(live)))
        .thenAccept(r -> {
          if (r.code != 200) {
            throw new CompletionException(agent.failure(r, "register service '" + live.id() + "' again",
                live.name(), "service:write on '" + live.name() + "'"));
          }
        });
  }

  private void afterBeat(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    synchronized (lock) {
      if (cause == null) {
        healthy = true;
        if (failing) {
          LOG.info("heartbeats of service '{}' at consul agent {} succeed again", live.id(), agent.uri());
        }
        failing = false;
        return;
      }
      healthy = false;
      if (closed) {
        return;
      }
      String why = cause instanceof ConsulAgentException
          ? cause.getMessage()
          : cause.getClass().getSimpleName() + ": " + agent.scrub(cause.getMessage());
      if (!failing) {
        LOG.warn("heartbeat of service '{}' at consul agent {} failed ({}); retrying every {} ms", live.id(),
            agent.uri(), why, interval.toMillis());
      } else {
        LOG.debug("heartbeat of service '{}' failed again: {}", live.id(), why);
      }
      failing = true;
    }
  }

  @Override
  public ServiceRegistration service() {
    return registration;
  }

  @Override
  public boolean healthy() {
    return healthy;
  }

  @Override
  public void close() {
    CompletableFuture<?> pending;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (next != null) {
        next.cancel(false);
      }
      pending = inFlight;
    }
    try {
      // A heartbeat that is re-registering must finish first, or it could resurrect the service.
      pending.get(agent.timeout().toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // its failure was logged by the heartbeat itself
    }
    try {
      agent.deregisterService(live.id());
      LOG.debug("deregistered service '{}' from consul agent {}", live.id(), agent.uri());
    } catch (ConsulAgentException e) {
      if (!e.notFound()) {
        LOG.warn("could not deregister service '{}' on close: {}", live.id(), e.getMessage());
      }
    } catch (IllegalStateException e) {
      LOG.warn("could not deregister service '{}' on close: {}", live.id(), e.getMessage());
    } finally {
      agent.forget(this);
    }
  }

  @Override
  public String toString() {
    return "Registration{" + live.id() + " at " + agent.uri() + "}";
  }
}
