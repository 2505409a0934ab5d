package dev.discovery.examples;

import com.sun.net.httpserver.HttpServer;
import dev.discovery.DiscoveryException;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The example frontend: serves {@code GET /} by calling the backend service through the library, round
 * robin, retrying once on another instance when a call fails and reporting every outcome so that failing
 * instances are ejected. {@code GET /status} lists the instances it sees and which of them are ejected.
 */
final class FrontendServer implements AutoCloseable {
  private final ServiceDiscovery discovery;
  private final ServiceSelector selector;
  private final String backendService;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final AtomicLong retries = new AtomicLong();
  private HttpServer server;

  /** {@code selector} must select over {@code discovery}. */
  FrontendServer(ServiceDiscovery discovery, ServiceSelector selector, String backendService) {
    this.discovery = discovery;
    this.selector = selector;
    this.backendService = backendService;
  }

  FrontendServer start(String host, int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/", exchange -> {
      int status;
      String body;
      try {
        body = callBackend();
        status = 200;
      } catch (IOException | DiscoveryException e) {
        body = "backend unavailable: " + e.getMessage() + "\n";
        status = 502;
      } catch (RuntimeException e) {
        body = "frontend error: " + e + "\n";
        status = 500;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.createContext("/status", exchange -> {
      int status = 200;
      String body;
      try {
        body = status();
      } catch (DiscoveryException e) {
        body = "backend unavailable: " + e.getMessage() + "\n";
        status = 502;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    return this;
  }

  /**
   * One line per instance of the backend service as discovery sees it: {@code host:port id health}, followed by
   * {@code EJECTED} while failed calls keep it out of rotation; then a {@code #} line with the number of calls
   * retried on another instance so far.
   */
  String status() {
    StringBuilder text = new StringBuilder();
    discovery.instances(ServiceQuery.of(backendService)).stream()
        .sorted(Comparator.comparing(ServiceInstance::address))
        .forEach(i -> text.append(i.address()).append(' ').append(i.id()).append(' ')
            .append(i.health().name().toLowerCase(Locale.ROOT))
            .append(selector.isEjected(i) ? " EJECTED" : "").append('\n'));
    return text.append("# ").append(retries.get()).append(" calls retried on another instance\n").toString();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** Calls one backend instance, and on failure one other instance. */
  String callBackend() throws IOException {
    ServiceInstance first = selector.next(backendService);
    try {
      return call(first);
    } catch (IOException firstFailure) {
      retries.incrementAndGet();
      ServiceInstance second = selector.next(backendService);
      if (second.equals(first)) {
        second = selector.next(backendService); // round robin moves on; try once more for a different one
      }
      try {
        return call(second);
      } catch (IOException secondFailure) {
        secondFailure.addSuppressed(firstFailure);
        throw secondFailure;
      }
    }
  }

  private String call(ServiceInstance instance) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + instance.address() + "/hello"))
        .timeout(Duration.ofSeconds(2)).GET().build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 500) {
        selector.report(instance, Outcome.FAILURE);
        throw new IOException(instance.address() + " answered " + response.statusCode());
      }
      selector.report(instance, Outcome.SUCCESS);
      return response.body();
    } catch (IOException e) {
      selector.report(instance, Outcome.FAILURE);
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      selector.report(instance, Outcome.FAILURE);
      throw new IOException("interrupted calling " + instance.address(), e);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
    }
  }
}
