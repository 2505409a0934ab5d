package dev.discovery.consul.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A tiny JDK HTTP client for tests: raw status, headers and body, no Consul knowledge. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Http() {}

  record Response(int status, java.net.http.HttpHeaders headers, String body) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    long index() {
      return Long.parseLong(header("X-Consul-Index"));
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  static Response get(ConsulTestAgent agent, String pathAndQuery, String... headers) {
    return send(request(agent, pathAndQuery, headers).GET().build());
  }

  static Response put(ConsulTestAgent agent, String pathAndQuery, String body, String... headers) {
    return send(request(agent, pathAndQuery, headers)
        .PUT(HttpRequest.BodyPublishers.ofString(body == null ? "" : body)).build());
  }

  static Response post(ConsulTestAgent agent, String pathAndQuery, String body) {
    return send(request(agent, pathAndQuery).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static Response method(ConsulTestAgent agent, String method, String pathAndQuery) {
    return send(request(agent, pathAndQuery).method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  static CompletableFuture<Response> getAsync(ConsulTestAgent agent, String pathAndQuery) {
    return CLIENT.sendAsync(request(agent, pathAndQuery).GET().build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Response(r.statusCode(), r.headers(), r.body()));
  }

  private static HttpRequest.Builder request(ConsulTestAgent agent, String pathAndQuery, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(agent.httpUri() + pathAndQuery))
        .timeout(Duration.ofSeconds(30));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static Response send(HttpRequest request) {
    try {
      HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
