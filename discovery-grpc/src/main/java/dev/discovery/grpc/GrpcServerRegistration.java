package dev.discovery.grpc;

import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.Registration;
import dev.discovery.consul.ServiceRegistration;
import io.grpc.Server;
import java.time.Duration;
import java.util.Objects;

/**
 * Registers a running gRPC server with its Consul agent and deregisters it when the server terminates (or when
 * this registration is closed first). The port comes from the server; the rest (name, ID, address, tags, meta,
 * checks) from a template.
 *
 * <pre>{@code
 * Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(echo).build().start();
 * GrpcServerRegistration registration = GrpcServerRegistration.register(agent, server,
 *     ServiceRegistration.builder("echo").id("echo-1").address("10.0.0.5").build());
 * // on the way down: deregister first, so clients stop sending, then let in-flight calls finish
 * registration.close();
 * server.shutdown().awaitTermination(30, TimeUnit.SECONDS);
 * }</pre>
 *
 * <p>Without a check in the template the registration gets a TTL check that it keeps passing (the process is
 * alive). For the server's real health, add {@link CheckDefinition#grpc(String, Duration)} aimed at the server:
 * the agent then calls the standard health service, which {@code grpc-services}' {@code HealthStatusManager}
 * serves (see the module README).
 */
public final class GrpcServerRegistration implements Registration {
  /** The TTL of the check a template without checks gets. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

  private final Registration registration;
  private final Thread watcher;
  private final Object lock = new Object();
  private boolean closed;

  private GrpcServerRegistration(Registration registration, Server server) {
    this.registration = registration;
    this.watcher = new Thread(() -> awaitTermination(server), "grpc-registration-" + registration.service().id());
    this.watcher.setDaemon(true);
  }

  /**
   * Registers {@code server}'s port under {@code template} (whose port must be 0 or the server's) and keeps the
   * registration until the server terminates or {@link #close()} is called.
   *
   * @throws IllegalArgumentException if the server is not started, is shut down, or listens on no TCP port
   * @throws dev.discovery.consul.ConsulAgentException if the agent refuses the registration or cannot be reached
   */
  public static GrpcServerRegistration register(ConsulAgent agent, Server server, ServiceRegistration template) {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(template, "template");
    int port;
    try {
      port = server.getPort();
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException("gRPC server for '" + template.name() + "' is not started; call start() "
          + "before registering it", e);
    }
    if (server.isShutdown()) {
      throw new IllegalArgumentException("gRPC server for '" + template.name() + "' is shut down; nothing to register");
    }
    if (port < 1) {
      throw new IllegalArgumentException("gRPC server for '" + template.name() + "' listens on no TCP port (an "
          + "in-process server?); only servers reachable over the network can be registered");
    }
    if (template.port() != 0 && template.port() != port) {
      throw new IllegalArgumentException("registration of '" + template.id() + "' says port " + template.port()
          + " but the server listens on " + port + "; leave the port out of the template");
    }
    ServiceRegistration.Builder reg = template.toBuilder().port(port);
    if (template.checks().isEmpty()) {
      reg.check(CheckDefinition.ttl(DEFAULT_TTL));
    }
    GrpcServerRegistration registration = new GrpcServerRegistration(agent.register(reg.build()), server);
    registration.watcher.start();
    return registration;
  }

  private void awaitTermination(Server server) {
    try {
      server.awaitTermination();
    } catch (InterruptedException e) {
      return; // closed first
    }
    close();
  }

  /** The registration as sent to the agent (with the server's port). */
  @Override
  public ServiceRegistration service() {
    return registration.service();
  }

  /** Whether the last heartbeat (or the registration itself) succeeded. */
  @Override
  public boolean healthy() {
    return registration.healthy();
  }

  /** Deregisters the server (the server keeps running). Idempotent; failures are logged, not thrown. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    registration.close();
    if (Thread.currentThread() != watcher) {
      watcher.interrupt();
    }
  }

  @Override
  public String toString() {
    return "GrpcServerRegistration{" + registration.service().id() + "}";
  }
}
