package dev.discovery.spring.registration;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.Registration;
import dev.discovery.consul.ServiceRegistration;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Registers the running application with the first agent and deregisters it on graceful shutdown.
 *
 * <p>As a {@link SmartLifecycle} in a phase above the web server's, it starts after the server listens (so the
 * actual port is known) and stops before the server begins its graceful shutdown, so that clients stop
 * choosing this instance while it still answers the calls in flight.
 *
 * <p>The library's {@link ConsulAgent#register managed registration} keeps a TTL check passing and registers
 * the service again when the agent has forgotten it (an agent restarted without its data). If the agent cannot
 * be reached at start-up, the application starts anyway: one WARN, then a retry every
 * {@code registration.retry-interval} until it works.
 */
public final class SelfRegistration implements SmartLifecycle {
  /** Above the web server's start/stop and graceful-shutdown phases ({@code DEFAULT_PHASE - 2048 / - 1024}). */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;
  private static final Logger LOG = LoggerFactory.getLogger(SelfRegistration.class);

  private final ConsulAgent agent;
  private final RegistrationFactory factory;
  private final Duration retryInterval;
  private final Object lock = new Object();
  private ScheduledExecutorService retries;
  private ServiceRegistration pending;
  private volatile Registration registration;
  private volatile boolean running;

  /** Registers what {@code factory} builds with {@code agent}. */
  public SelfRegistration(ConsulAgent agent, RegistrationFactory factory, Duration retryInterval) {
    this.agent = agent;
    this.factory = factory;
    this.retryInterval = retryInterval;
  }

  @Override
  public void start() {
    int port = factory.port();
    if (port <= 0) {
      LOG.debug("no web server port is known; this application is not registered in Consul");
      return;
    }
    ServiceRegistration reg = factory.build(port);
    synchronized (lock) {
      running = true;
      pending = reg;
    }
    if (!tryRegister(true)) {
      synchronized (lock) {
        retries = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "discovery-registration-retry");
          t.setDaemon(true);
          return t;
        });
        ScheduledExecutorService executor = retries;
        retries.scheduleWithFixedDelay(() -> {
          if (tryRegister(false)) {
            executor.shutdown(); // registered (or stopped): no more attempts
          }
        }, retryInterval.toMillis(), retryInterval.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** One attempt; true when registered (or when there is nothing left to do). */
  private boolean tryRegister(boolean first) {
    synchronized (lock) {
      if (!running || pending == null) {
        return true;
      }
      try {
        registration = agent.register(pending);
        LOG.info("registered service '{}' as '{}' at {}:{} with consul agent {}", pending.name(), pending.id(),
            pending.address(), pending.port(), agent.uri());
        pending = null;
        return true;
      } catch (RuntimeException e) {
        // ConsulAgentException messages name the agent and Consul's reason, never the token.
        if (first) {
          LOG.warn("could not register service '{}' with consul agent {} ({}); retrying every {} ms",
              pending.id(), agent.uri(), e.getMessage(), retryInterval.toMillis());
        } else {
          LOG.debug("registration of '{}' failed again: {}", pending.id(), e.getMessage());
        }
        return false;
      }
    }
  }

  @Override
  public void stop() {
    Registration current;
    synchronized (lock) {
      running = false;
      pending = null;
      if (retries != null) {
        retries.shutdownNow();
        retries = null;
      }
      current = registration;
      registration = null;
    }
    if (current != null) {
      current.close(); // deregisters; failures are logged by the library
      LOG.info("deregistered service '{}' from consul agent {}", current.service().id(), agent.uri());
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** The live registration, or {@code null} before it succeeded or after stop. */
  public Registration registration() {
    return registration;
  }
}
