package dev.discovery.examples;

import com.sun.net.httpserver.HttpServer;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ServiceRegistration;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
  private ServiceRegistration registration;

  BackendServer(URI consulAgent, String serviceName, String id, Duration ttl) {
    this.serviceName = serviceName;
    this.id = id;
    this.ttl = ttl;
    // Each backend has its own agent client, as separate processes would: "crashing" one stops only its heartbeats.
    this.agent = ConsulAgent.create(consulAgent);
  }

  /** Starts serving on {@code host:port} (0 for any free port) and registers in Consul. */
  BackendServer start(String host, int port) throws IOException {
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
    registration = ServiceRegistration.builder(serviceName)
        .id(id)
        .address(host)
        .port(server.getAddress().getPort())
        .tags("example")
        .meta("started-by", "discovery-examples")
        .check(CheckDefinition.ttl(ttl))
        .build();
    agent.registerService(registration);
    String checkId = registration.checkIds().get(0);
    agent.passTtl(checkId, "serving");
    // Three heartbeats per TTL: one lost heartbeat never lets the check expire.
    long period = Math.max(1, ttl.toMillis() / 3);
    heartbeats.scheduleAtFixedRate(() -> {
      try {
        agent.passTtl(checkId, "serving");
      } catch (RuntimeException e) {
        // The agent is unreachable; the next heartbeat tries again.
      }
    }, period, period, TimeUnit.MILLISECONDS);
    return this;
  }

  String id() {
    return id;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /**
   * Simulates a crash: the server stops answering and the heartbeats stop, but nothing deregisters the
   * service, so Consul only notices when the TTL check expires.
   */
  void crash() {
    heartbeats.shutdownNow();
    server.stop(0);
  }

  /** A clean shutdown: stops heartbeats, deregisters, stops serving. */
  @Override
  public void close() {
    heartbeats.shutdownNow();
    if (registration != null) {
      try {
        agent.deregisterService(registration.id());
      } catch (RuntimeException e) {
        System.err.println(id + ": could not deregister (" + e.getMessage() + "); its TTL check will expire");
      }
    }
    if (server != null) {
      server.stop(0);
    }
    agent.close();
  }
}
