package dev.discovery.consul.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs HTTP and TCP checks like Consul's CheckHTTP/CheckTCP, but only against loopback targets: the testkit never
 * opens connections off this machine, so checks aimed elsewhere are stored and left alone.
 */
final class CheckRunner {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_OUTPUT = 4096;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NORMAL)
      .connectTimeout(DEFAULT_TIMEOUT).build();

  /** A check outcome: status and output text. */
  record Result(String status, String output) {}

  private CheckRunner() {}

  /** True when this definition is an HTTP or TCP check whose target is on loopback. */
  static boolean runnable(CheckDefinition d) {
    if (d.interval().isZero()) {
      return false;
    }
    if (!d.http().isEmpty()) {
      try {
        return isLoopback(URI.create(d.http()).getHost());
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
    if (!d.tcp().isEmpty()) {
      int colon = d.tcp().lastIndexOf(':');
      return colon > 0 && isLoopback(d.tcp().substring(0, colon));
    }
    return false;
  }

  private static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    InetAddress ip = Payloads.ipLiteral(host);
    return ip != null && ip.isLoopbackAddress();
  }

  static Result run(CheckDefinition d) {
    Duration timeout = d.timeout().isZero() ? DEFAULT_TIMEOUT : d.timeout();
    return d.http().isEmpty() ? tcp(d.tcp(), timeout) : http(d, timeout);
  }

  /** Consul: 2xx passing, 429 warning, anything else critical. */
  private static Result http(CheckDefinition d, Duration timeout) {
    String method = d.method().isEmpty() ? "GET" : d.method();
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(d.http())).timeout(timeout)
          .method(method, d.body().isEmpty() ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(d.body()));
      b.header("User-Agent", "Consul Health Check");
      for (Map.Entry<String, List<String>> h : d.header().entrySet()) {
        for (String v : h.getValue()) {
          b.header(h.getKey(), v);
        }
      }
      HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = r.body();
      String text = new String(body, 0, Math.min(body.length, MAX_OUTPUT), StandardCharsets.UTF_8);
      String output = "HTTP " + method + " " + d.http() + ": " + r.statusCode() + " " + reason(r.statusCode())
          + " Output: " + text;
      int code = r.statusCode();
      String status = code >= 200 && code <= 299 ? CheckEntry.PASSING
          : code == 429 ? CheckEntry.WARNING : CheckEntry.CRITICAL;
      return new Result(status, output);
    } catch (IOException | IllegalArgumentException e) {
      return new Result(CheckEntry.CRITICAL, method.charAt(0) + method.substring(1).toLowerCase(Locale.ROOT)
          + " \"" + d.http() + "\": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(CheckEntry.CRITICAL, "check interrupted");
    }
  }

  private static Result tcp(String target, Duration timeout) {
    int colon = target.lastIndexOf(':');
    String host = target.substring(0, colon).replace("[", "").replace("]", "");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, Integer.parseInt(target.substring(colon + 1))),
          (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      return new Result(CheckEntry.PASSING, "TCP connect " + target + ": Success");
    } catch (IOException | RuntimeException e) {
      return new Result(CheckEntry.CRITICAL, "dial tcp " + target + ": " + e.getMessage());
    }
  }

  private static String reason(int code) {
    switch (code) {
      case 200: return "OK";
      case 204: return "No Content";
      case 429: return "Too Many Requests";
      case 500: return "Internal Server Error";
      case 503: return "Service Unavailable";
      case 404: return "Not Found";
      default: return "";
    }
  }
}
