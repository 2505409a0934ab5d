package dev.discovery.jdkhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.discovery.Await;
import dev.discovery.MapDiscovery;
import dev.discovery.NoHealthyInstanceException;
import dev.discovery.ServiceInstance;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.ServiceSelector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The JDK client wrapper against plain JDK HttpServer backends and a discovery answering from a map. */
class DiscoveryHttpClientTest {
  /** A loopback backend that answers {@code status} with "port <port> <method> <path?query> <body>". */
  static final class Backend implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    volatile int status = 200;
    /** Run as a request arrives (before it is answered), or {@code null}. */
    volatile Runnable onRequest;
    /** When set, a request is held until it opens and then dropped without an answer. */
    volatile CountDownLatch hold;

    Backend() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        requests.incrementAndGet();
        Runnable hook = onRequest;
        if (hook != null) {
          hook.run();
        }
        CountDownLatch held = hold;
        if (held != null) {
          try {
            held.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close(); // no answer: the client sees the connection end
          return;
        }
        String body;
        try (InputStream in = exchange.getRequestBody()) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        byte[] reply = ("port " + port() + " " + exchange.getRequestMethod() + " "
            + exchange.getRequestURI().getRawPath()
            + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery())
            + " " + body).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, reply.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(reply);
        }
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    ServiceInstance instance(String service) {
      return ServiceInstance.of(service, "127.0.0.1", port());
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private final MapDiscovery discovery = new MapDiscovery();
  private final List<Backend> backends = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    backends.forEach(Backend::close);
  }

  private List<Backend> backends(String service, int count) throws IOException {
    List<Backend> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Backend backend = new Backend();
      backends.add(backend);
      started.add(backend);
    }
    discovery.services.put(service, started.stream().map(b -> b.instance(service)).toList());
    return started;
  }

  private static HttpRequest get(String uri) {
    return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build();
  }

  private static String send(DiscoveryHttpClient client, HttpRequest request)
      throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  @Test
  void spreadsRequestsOverEveryInstanceKeepingPathAndQuery() throws Exception {
    List<Backend> three = backends("web", 3);
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();

    List<String> replies = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      replies.add(send(client, get("http://web.service/users/a%2Fb?q=%20x")));
    }

    for (Backend backend : three) {
      assertThat(backend.requests.get()).isEqualTo(2);
      assertThat(replies).contains("200 port " + backend.port() + " GET /users/a%2Fb?q=%20x ");
    }
  }

  @Test
  void retriesAnIdempotentRequestOnAnotherInstanceAndEjectsTheDeadOne() throws Exception {
    List<Backend> two = backends("web", 2);
    two.get(1).close();
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(1).build();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, selector).build();

    for (int i = 0; i < 4; i++) {
      assertThat(send(client, get("http://web.service/x"))).startsWith("200 port " + two.get(0).port());
    }
    HttpRequest put = HttpRequest.newBuilder(URI.create("http://web.service/doc"))
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).build();
    assertThat(send(client, put)).endsWith("PUT /doc {}");

    assertThat(two.get(0).requests.get()).isEqualTo(5);
    assertThat(selector.isEjected(two.get(1).instance("web"))).isTrue();
  }

  @Test
  void doesNotRetryAPost() throws Exception {
    List<Backend> two = backends("web", 2);
    two.get(1).close();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();
    HttpRequest post = HttpRequest.newBuilder(URI.create("http://web.service/orders"))
        .POST(HttpRequest.BodyPublishers.ofString("order")).build();

    int failures = 0;
    for (int i = 0; i < 2; i++) { // round robin: one of the two goes to the dead instance
      try {
        assertThat(send(client, post)).endsWith("POST /orders order");
      } catch (IOException e) {
        assertThat(e).isNotInstanceOf(NoInstanceAvailableException.class);
        failures++;
      }
    }

    assertThat(failures).isEqualTo(1);
    assertThat(two.get(0).requests.get()).isEqualTo(1);
  }

  @Test
  void doesNotRetryAPutWithAOneShotBody() throws Exception {
    List<Backend> two = backends("web", 2);
    two.get(1).close();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();
    // A publisher of the caller's own: nothing says it can be subscribed to a second time.
    HttpRequest put = HttpRequest.newBuilder(URI.create("http://web.service/doc"))
        .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString("{}"))).build();

    int failures = 0;
    for (int i = 0; i < 2; i++) { // round robin: one of the two goes to the dead instance
      try {
        assertThat(send(client, put)).endsWith("PUT /doc {}");
      } catch (IOException e) {
        assertThat(e).isNotInstanceOf(NoInstanceAvailableException.class);
        failures++;
      }
    }

    assertThat(failures).isEqualTo(1);
    assertThat(two.get(0).requests.get()).isEqualTo(1);
  }

  @Test
  void aServerErrorIsAFailureButNotRetried() throws Exception {
    Backend only = backends("web", 1).get(0);
    only.status = 503;
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(1).maxEjectedPercent(100).build();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, selector).build();

    assertThat(send(client, get("http://web.service/"))).startsWith("503 ");

    assertThat(only.requests.get()).isEqualTo(1);
    assertThat(selector.isEjected(only.instance("web"))).isTrue();
  }

  @Test
  void leavesOtherHostsUntouched() throws Exception {
    Backend plain = new Backend();
    backends.add(plain);
    // Nothing is registered: had the wrapper asked discovery, the call would fail.
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();

    assertThat(send(client, get("http://127.0.0.1:" + plain.port() + "/a.service")))
        .isEqualTo("200 port " + plain.port() + " GET /a.service ");
  }

  @Test
  void noHealthyInstanceFailsWithAnIOExceptionNamingTheService() {
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();

    assertThatThrownBy(() -> send(client, get("http://billing.service/invoices")))
        .isInstanceOfSatisfying(NoInstanceAvailableException.class, e -> assertThat(e.service()).isEqualTo("billing"))
        .hasMessageContaining("'billing'")
        .hasCauseInstanceOf(NoHealthyInstanceException.class);
  }

  @Test
  void aConfiguredSuffixSelectsTheService() throws Exception {
    Backend only = backends("api", 1).get(0);
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build())
        .hostSuffix(".svc.cluster").build();

    assertThat(send(client, get("http://api.svc.cluster/"))).startsWith("200 port " + only.port());
  }

  @Test
  void sendAsyncRetriesAnIdempotentRequestOnAnotherInstance() throws Exception {
    List<Backend> two = backends("web", 2);
    two.get(1).close();
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(1).build();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, selector).build();

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> response = client.sendAsync(get("http://web.service/x"),
          HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
      assertThat(response.body()).startsWith("port " + two.get(0).port() + " GET /x");
    }

    assertThat(two.get(0).requests.get()).isEqualTo(4);
    assertThat(selector.isEjected(two.get(1).instance("web"))).isTrue();
  }

  @Test
  void sendAsyncDoesNotRetryAPostAndFailsTheFutureWithTheIoError() throws Exception {
    List<Backend> two = backends("web", 2);
    two.get(1).close();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();
    HttpRequest post = HttpRequest.newBuilder(URI.create("http://web.service/orders"))
        .POST(HttpRequest.BodyPublishers.ofString("order")).build();

    int failures = 0;
    for (int i = 0; i < 2; i++) {
      try {
        client.sendAsync(post, HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(IOException.class).isNotInstanceOf(NoInstanceAvailableException.class);
        failures++;
      }
    }

    assertThat(failures).isEqualTo(1);
    assertThat(two.get(0).requests.get()).isEqualTo(1);
  }

  @Test
  void sendAsyncWithoutInstancesFailsTheFutureNamingTheService() {
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();

    assertThatThrownBy(() -> client.sendAsync(get("http://billing.service/"), HttpResponse.BodyHandlers.ofString())
        .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(NoInstanceAvailableException.class).hasMessageContaining("'billing'");
  }

  @Test
  void aSingleDeadInstanceFailsWithItsOwnErrorAfterNoRetry() throws Exception {
    Backend only = backends("web", 1).get(0);
    only.close();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, ServiceSelector.builder(discovery).build()).build();

    assertThatThrownBy(() -> send(client, get("http://web.service/")))
        .isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void aCallerInterruptedDuringAGetIsNotRetriedOnAnotherInstance() throws Exception {
    List<Backend> two = backends("web", 2);
    Thread caller = Thread.currentThread();
    CountDownLatch release = new CountDownLatch(1);
    for (Backend backend : two) { // whichever is chosen first interrupts the caller and never answers
      backend.onRequest = caller::interrupt;
      backend.hold = release;
    }
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(1).maxEjectedPercent(100).build();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, selector).build();

    try {
      // The caller gave up: it hears of it (interrupt or the failed exchange), and no second instance is asked.
      assertThatThrownBy(() -> send(client, get("http://web.service/x")))
          .isInstanceOfAny(InterruptedException.class, IOException.class)
          .isNotInstanceOf(NoInstanceAvailableException.class);
    } finally {
      Thread.interrupted(); // leave the test thread as JUnit gave it
      release.countDown();
    }

    assertThat(two.get(0).requests.get() + two.get(1).requests.get()).as("instances asked").isEqualTo(1);
    assertThat(two.stream().filter(b -> selector.isEjected(b.instance("web"))).count())
        .as("the one attempt is reported as failed").isEqualTo(1);
  }

  @Test
  void cancellingTheFutureOfSendAsyncRulesOutTheRetry() throws Exception {
    List<Backend> two = backends("web", 2);
    CountDownLatch release = new CountDownLatch(1);
    for (Backend backend : two) {
      backend.hold = release;
    }
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(1).maxEjectedPercent(100).build();
    DiscoveryHttpClient client = DiscoveryHttpClient.builder(http, selector).build();

    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(get("http://web.service/x"), HttpResponse.BodyHandlers.ofString());
    Await.until("the request to reach an instance", () -> two.get(0).requests.get() + two.get(1).requests.get() == 1);
    assertThat(future.cancel(true)).isTrue();
    release.countDown(); // the held exchange now fails, if cancelling has not ended it already

    // Once the attempt's failure is reported the retry is decided, and it must not be made.
    Await.until("the cancelled attempt to be reported",
        () -> two.stream().anyMatch(b -> selector.isEjected(b.instance("web"))));
    assertThat(future).isCancelled();
    assertThat(two.get(0).requests.get() + two.get(1).requests.get()).as("instances asked").isEqualTo(1);
    assertThat(two.stream().filter(b -> selector.isEjected(b.instance("web"))).count()).isEqualTo(1);
  }
}
