package dev.discovery.examples;

import com.sun.net.httpserver.HttpServer;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulAgentException;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ServiceRegistration;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The example backend: a tiny web service that answers {@code GET /hello} with its instance id and
 * registers itself in Consul with a TTL check that it keeps passing with heartbeats.
 *
 * <p>It heartbeats with {@link ConsulAgent#passTtl} itself, rather than through the managed
 * {@link ConsulAgent#register} handle, so that the demo can {@linkplain #crash() crash} it: stop the
 * heartbeats without the deregistration that every clean close performs.
 */
final class BackendServer implements AutoCloseable {
  private final String serviceName;
  private final String id;
  private final ConsulAgent agent;
  private final Duration ttl;
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "backend-heartbeat");
    t.setDaemon(true);
    return t;
  });
  private HttpServer server;
  private int port;
  private ServiceRegistration registration;

  BackendServer(URI consulAgent, String serviceName, String id, Duration ttl) {
    this(consulAgent, null, serviceName, id, ttl);
  }

  /** With {@code tokenFile} (may be null) holding the ACL token that allows service:write on the service. */
  BackendServer(URI consulAgent, Path tokenFile, String serviceName, String id, Duration ttl) {
    this.serviceName = serviceName;
    this.id = id;
    this.ttl = ttl;
    // Each backend has its own agent client, as separate processes would: "crashing" one stops only its heartbeats.
    ConsulAgent.Builder builder = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(consulAgent);
    if (tokenFile != null) {
      builder.tokenFile(tokenFile);
    }
    this.agent = builder.build();
  }

  /** Starts serving on {@code host:port} (0 for any free port) and registers in Consul. */
  synchronized BackendServer start(String host, int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/hello", exchange -> {
      byte[] body = ("hello from " + id + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    this.port = server.getAddress().getPort();
    try {
      ServiceRegistration reg = ServiceRegistration.builder(serviceName)
          .id(id)
          .address(host)
          .port(this.port)
          .tags("example")
          .meta("started-by", "discovery-examples")
          .check(CheckDefinition.ttl(ttl))
          .build();
      agent.registerService(reg);
      registration = reg;
      String checkId = reg.checkIds().get(0);
      agent.passTtl(checkId, "serving");
      // Three heartbeats per TTL: one lost heartbeat never lets the check expire.
      long period = Math.max(1, ttl.toMillis() / 3);
      heartbeats.scheduleAtFixedRate(() -> heartbeat(reg, checkId), period, period, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      close(); // no half-started backend: not serving, nothing left registered, no threads
      throw e;
    }
    return this;
  }

  /**
   * Keeps the TTL check passing. An agent restarted without its data has forgotten the service (the check is
   * unknown, HTTP 404): register it again rather than stay invisible until someone restarts the backend.
   */
  private void heartbeat(ServiceRegistration reg, String checkId) {
    try {
      agent.passTtl(checkId, "serving");
    } catch (ConsulAgentException e) {
      // 404 from current agents; older ones answered 500 "Unknown check" for a check they do not have.
      if (e.notFound() || e.status() == 500 && String.valueOf(e.getMessage()).contains("Unknown check")) {
        try {
          agent.registerService(reg);
          agent.passTtl(checkId, "serving");
        } catch (RuntimeException again) {
          // The next heartbeat tries again.
        }
      }
      // Otherwise the agent is unreachable or refusing; the next heartbeat tries again.
    } catch (RuntimeException e) {
      // Closed while a heartbeat was due; nothing to do.
    }
  }

  String id() {
    return id;
  }

  int port() {
    return port;
  }

  /**
   * Simulates a crash: the server stops answering and the heartbeats stop, but nothing deregisters the
   * service, so Consul only notices when the TTL check expires. {@link #close()} still deregisters it later.
   */
  synchronized void crash() {
    stopHeartbeats();
    stopServing();
  }

  /** Stops serving and heartbeating without deregistering: for when Consul itself is gone. */
  synchronized void abandon() {
    crash();
    registration = null;
    agent.close();
  }

  /**
   * A clean shutdown: stops heartbeats, deregisters (also after a {@link #crash()}), stops serving. Idempotent.
   */
  @Override
  public synchronized void close() {
    stopHeartbeats();
    if (registration != null) {
      try {
        agent.deregisterService(registration.id());
      } catch (RuntimeException e) {
        System.err.println(id + ": could not deregister (" + e.getMessage() + "); its TTL check will expire");
      }
      registration = null;
    }
    stopServing();
    agent.close();
  }

  /**
   * Waits (bounded) for a heartbeat in flight: one finishing after a deregistration would find the check gone and
   * register the service again.
   */
  private void stopHeartbeats() {
    heartbeats.shutdownNow();
    try {
      if (!heartbeats.awaitTermination(5, TimeUnit.SECONDS)) {
        System.err.println(id + ": a heartbeat is still running after 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void stopServing() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }
}
