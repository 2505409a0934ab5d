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
  private int port;
  private ServiceRegistration registration;

  BackendServer(URI consulAgent, String serviceName, String id, Duration ttl) {
    this.serviceName = serviceName;
    this.id = id;
    this.ttl = ttl;
    // Each backend has its own agent client, as separate processes would: "crashing" one stops only its heartbeats.
    this.agent = ConsulAgent.create(consulAgent);
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
      heartbeats.scheduleAtFixedRate(() -> {
        try {
          agent.passTtl(checkId, "serving");
        } catch (RuntimeException e) {
          // The agent is unreachable; the next heartbeat tries again.
        }
      }, period, period, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      close(); // no half-started backend: not serving, nothing left registered, no threads
      throw e;
    }
    return this;
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
    heartbeats.shutdownNow();
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
    heartbeats.shutdownNow();
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

  private void stopServing() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }
}
