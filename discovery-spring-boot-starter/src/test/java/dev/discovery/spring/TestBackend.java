package dev.discovery.spring;

import com.sun.net.httpserver.HttpServer;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend on a loopback ephemeral port: answers {@code GET /id} with its name (or 500 while
 * failing) and counts the requests it receives.
 */
final class TestBackend implements AutoCloseable {
  final String id;
  private final HttpServer server;
  private final AtomicInteger hits = new AtomicInteger();
  private volatile boolean failing;

  TestBackend(String id) throws IOException {
    this.id = id;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", exchange -> {
      hits.incrementAndGet();
      byte[] body = id.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(failing ? 500 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  int hits() {
    return hits.get();
  }

  void resetHits() {
    hits.set(0);
  }

  void failing(boolean failing) {
    this.failing = failing;
  }

  /** Registers this backend as an instance of {@code service} with no check (so passing). */
  void registerWith(ConsulTestAgent agent, String service) {
    agent.registerService("{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"127.0.0.1\",\"Port\":"
        + port() + "}");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
