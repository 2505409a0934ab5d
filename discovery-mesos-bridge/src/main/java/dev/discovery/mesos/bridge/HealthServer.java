package dev.discovery.mesos.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** Serves {@code GET /health} (200 when ready, 503 otherwise) and {@code GET /metrics} (Prometheus text). */
final class HealthServer implements AutoCloseable {
  /** What {@code /health} answers. */
  record Status(boolean ready, String text) {}

  private final HttpServer server;
  private final ExecutorService executor;

  HealthServer(InetSocketAddress bind, Supplier<Status> health, Metrics metrics) throws IOException {
    server = HttpServer.create(bind, 16);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "mesos-bridge-health");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/health", ex -> {
      Status s = health.get();
      respond(ex, s.ready() ? 200 : 503, "text/plain; charset=utf-8", s.text() + "\n");
    });
    server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
        metrics.render()));
    server.start();
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  private static void respond(HttpExchange ex, int code, String type, String body) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(code, -1);
        return;
      }
      ex.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
