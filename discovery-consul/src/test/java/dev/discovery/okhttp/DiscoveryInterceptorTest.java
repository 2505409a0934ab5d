package dev.discovery.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.NoHealthyInstanceException;
import dev.discovery.ServiceInstance;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The interceptor end to end: MockWebServer backends registered in the testkit's Consul stand-in. */
class DiscoveryInterceptorTest {
  private ConsulTestAgent consul;
  private ConsulAgent agent;
  private CachingDiscovery discovery;
  private final List<MockWebServer> backends = new ArrayList<>();
  private final List<OkHttpClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    consul = ConsulTestAgent.builder().start();
    agent = ConsulAgent.create(consul.httpUri());
    discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(consul.httpUri()).build();
  }

  @AfterEach
  void stop() throws IOException {
    for (OkHttpClient client : clients) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    for (MockWebServer backend : backends) {
      backend.shutdown();
    }
    discovery.close();
    agent.close();
    consul.close();
  }

  /** Starts {@code count} backends and registers each as an instance of {@code service}. */
  private List<MockWebServer> backends(String service, int count) throws IOException {
    List<MockWebServer> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      MockWebServer server = new MockWebServer();
      server.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
      backends.add(server);
      started.add(server);
      agent.registerService(ServiceRegistration.builder(service).id(service + "-" + i)
          .address("127.0.0.1").port(server.getPort()).build());
    }
    return started;
  }

  private OkHttpClient client(DiscoveryInterceptor interceptor) {
    OkHttpClient client = new OkHttpClient.Builder()
        .addInterceptor(interceptor)
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(5))
        .build();
    clients.add(client);
    return client;
  }

  private ServiceInstance instanceOn(String service, MockWebServer server) {
    return discovery.instances(service).stream().filter(i -> i.port() == server.getPort()).findFirst()
        .orElseThrow();
  }

  private static String call(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      return response.code() + " " + response.body().string();
    }
  }

  private static Request get(String url) {
    return new Request.Builder().url(url).build();
  }

  @Test
  void spreadsRequestsOverEveryInstanceKeepingPathAndQuery() throws Exception {
    List<MockWebServer> three = backends("web", 3);
    for (MockWebServer server : three) {
      for (int i = 0; i < 2; i++) {
        server.enqueue(new MockResponse().setBody("port " + server.getPort()));
      }
    }
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());

    for (int i = 0; i < 6; i++) {
      assertThat(call(client, get("http://web.service/users/a%2Fb?q=1&r=%20"))).startsWith("200 port ");
    }

    for (MockWebServer server : three) {
      assertThat(server.getRequestCount()).as("requests on backend %s", server.getPort()).isEqualTo(2);
      RecordedRequest recorded = server.takeRequest(1, TimeUnit.SECONDS);
      assertThat(recorded.getPath()).isEqualTo("/users/a%2Fb?q=1&r=%20");
      assertThat(recorded.getHeader("Host")).isEqualTo("127.0.0.1:" + server.getPort());
    }
  }

  @Test
  void retriesAnIdempotentRequestOnAnotherInstanceAndEjectsTheDeadOne() throws Exception {
    List<MockWebServer> two = backends("web", 2);
    MockWebServer alive = two.get(0);
    MockWebServer dead = two.get(1);
    ServiceInstance deadInstance = instanceOn("web", dead);
    dead.shutdown();
    for (int i = 0; i < 4; i++) {
      alive.enqueue(new MockResponse().setBody("ok"));
    }
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(1).build();
    OkHttpClient client = client(DiscoveryInterceptor.builder(selector).build());

    for (int i = 0; i < 4; i++) {
      assertThat(call(client, get("http://web.service/x"))).isEqualTo("200 ok");
    }

    assertThat(alive.getRequestCount()).isEqualTo(4);
    assertThat(selector.isEjected(deadInstance)).isTrue();
  }

  @Test
  void retriesAPutWithARepeatableBody() throws Exception {
    List<MockWebServer> two = backends("web", 2);
    two.get(1).shutdown();
    two.get(0).enqueue(new MockResponse().setResponseCode(204));
    two.get(0).enqueue(new MockResponse().setResponseCode(204));
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());
    Request put = new Request.Builder().url("http://web.service/doc")
        .put(RequestBody.create("{}", MediaType.get("application/json"))).build();

    // Round robin: of two calls one lands first on the dead instance and must be retried on the live one.
    assertThat(call(client, put)).isEqualTo("204 ");
    assertThat(call(client, put)).isEqualTo("204 ");

    assertThat(two.get(0).getRequestCount()).isEqualTo(2);
    assertThat(two.get(0).takeRequest(1, TimeUnit.SECONDS).getBody().readUtf8()).isEqualTo("{}");
  }

  @Test
  void doesNotRetryAPost() throws Exception {
    List<MockWebServer> two = backends("web", 2);
    two.get(1).shutdown();
    two.get(0).enqueue(new MockResponse().setBody("created"));
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());
    Request post = new Request.Builder().url("http://web.service/orders")
        .post(RequestBody.create("order", MediaType.get("text/plain"))).build();

    int failures = 0;
    for (int i = 0; i < 2; i++) { // round robin: one of the two goes to the dead instance
      try {
        assertThat(call(client, post)).isEqualTo("200 created");
      } catch (IOException e) {
        assertThat(e).isNotInstanceOf(NoInstanceAvailableException.class);
        failures++;
      }
    }

    assertThat(failures).isEqualTo(1);
    assertThat(two.get(0).getRequestCount()).isEqualTo(1);
  }

  @Test
  void doesNotRetryAPutWithAOneShotBody() throws Exception {
    List<MockWebServer> two = backends("web", 2);
    two.get(1).shutdown();
    two.get(0).enqueue(new MockResponse().setResponseCode(204));
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());
    RequestBody stream = new RequestBody() {
      @Override
      public MediaType contentType() {
        return MediaType.get("application/json");
      }

      @Override
      public void writeTo(okio.BufferedSink sink) throws IOException {
        sink.writeUtf8("{}");
      }

      @Override
      public boolean isOneShot() {
        return true; // a stream: the first attempt consumes it
      }
    };
    Request put = new Request.Builder().url("http://web.service/doc").put(stream).build();

    int failures = 0;
    for (int i = 0; i < 2; i++) { // round robin: one of the two goes to the dead instance
      try {
        assertThat(call(client, put)).isEqualTo("204 ");
      } catch (IOException e) {
        assertThat(e).isNotInstanceOf(NoInstanceAvailableException.class);
        failures++;
      }
    }

    assertThat(failures).isEqualTo(1);
    assertThat(two.get(0).getRequestCount()).isEqualTo(1);
  }

  @Test
  void doesNotRetryACancelledCall() throws Exception {
    List<MockWebServer> two = backends("web", 2);
    two.get(0).enqueue(new MockResponse().setBody("a"));
    two.get(1).enqueue(new MockResponse().setBody("b"));
    AtomicInteger attempts = new AtomicInteger();
    OkHttpClient client = new OkHttpClient.Builder()
        .addInterceptor(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build())
        .addInterceptor(chain -> { // each attempt: the caller gives up while it is under way
          attempts.incrementAndGet();
          chain.call().cancel();
          throw new IOException("Canceled");
        })
        .build();
    clients.add(client);

    assertThatThrownBy(() -> call(client, get("http://web.service/"))).hasMessage("Canceled");
    assertThat(attempts).as("attempts of a cancelled GET").hasValue(1);
  }

  @Test
  void aServerErrorIsAFailureButNotRetried() throws Exception {
    MockWebServer only = backends("web", 1).get(0);
    only.enqueue(new MockResponse().setResponseCode(503).setBody("overloaded"));
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(1).maxEjectedPercent(100).build();
    OkHttpClient client = client(DiscoveryInterceptor.builder(selector).build());

    assertThat(call(client, get("http://web.service/"))).isEqualTo("503 overloaded");

    assertThat(only.getRequestCount()).isEqualTo(1);
    assertThat(selector.isEjected(instanceOn("web", only))).isTrue();
  }

  @Test
  void leavesOtherHostsUntouched() throws Exception {
    MockWebServer plain = new MockWebServer();
    plain.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    backends.add(plain);
    plain.enqueue(new MockResponse().setBody("direct"));
    // Nothing is registered: had the interceptor asked discovery, the call would fail.
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());

    assertThat(call(client, get("http://127.0.0.1:" + plain.getPort() + "/a.service/x"))).isEqualTo("200 direct");

    assertThat(plain.takeRequest(1, TimeUnit.SECONDS).getPath()).isEqualTo("/a.service/x");
  }

  @Test
  void noHealthyInstanceFailsWithAnIOExceptionNamingTheService() {
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());

    assertThatThrownBy(() -> call(client, get("http://billing.service/invoices")))
        .isInstanceOfSatisfying(NoInstanceAvailableException.class, e -> assertThat(e.service()).isEqualTo("billing"))
        .hasMessageContaining("'billing'")
        .hasCauseInstanceOf(NoHealthyInstanceException.class);
  }

  @Test
  void aConfiguredSuffixSelectsTheServiceAndTheDefaultOneNoLonger() throws Exception {
    MockWebServer only = backends("api", 1).get(0);
    only.enqueue(new MockResponse().setBody("hi"));
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build())
        .hostSuffix(".svc.cluster").build());

    assertThat(call(client, get("http://api.svc.cluster/"))).isEqualTo("200 hi");
    assertThat(only.getRequestCount()).isEqualTo(1);
    assertThatThrownBy(() -> DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build())
        .hostSuffix("service")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dot");
  }

  @Test
  void anInstanceThatTurnsCriticalInConsulGetsNoMoreRequests() throws Exception {
    List<MockWebServer> two = backends("web", 2);
    for (int i = 0; i < 4; i++) {
      two.get(0).enqueue(new MockResponse().setBody("a"));
      two.get(1).enqueue(new MockResponse().setBody("b"));
    }
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());
    assertThat(call(client, get("http://web.service/"))).isIn("200 a", "200 b");

    consul.setServiceHealth("web-1", "critical");
    Await.until("discovery to see web-1 critical", Duration.ofSeconds(10),
        () -> discovery.instances("web").size() == 1);
    int before = two.get(1).getRequestCount();
    for (int i = 0; i < 3; i++) {
      assertThat(call(client, get("http://web.service/"))).isEqualTo("200 a");
    }

    assertThat(two.get(1).getRequestCount()).isEqualTo(before);
  }

  @Test
  void aSingleDeadInstanceFailsWithItsOwnConnectionError() throws Exception {
    MockWebServer only = backends("web", 1).get(0);
    only.shutdown();
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());

    assertThatThrownBy(() -> call(client, get("http://web.service/")))
        .isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void asynchronousCallsAreResolvedRetriedAndFailedThroughTheCallback() throws Exception {
    List<MockWebServer> two = backends("web", 2);
    two.get(1).shutdown();
    two.get(0).enqueue(new MockResponse().setBody("ok"));
    two.get(0).enqueue(new MockResponse().setBody("ok"));
    OkHttpClient client = client(DiscoveryInterceptor.builder(ServiceSelector.builder(discovery).build()).build());

    for (int i = 0; i < 2; i++) {
      assertThat(enqueue(client, get("http://web.service/")).get(10, TimeUnit.SECONDS)).isEqualTo("200 ok");
    }
    assertThat(enqueue(client, get("http://ghost.service/")).handle((ok, error) -> error).get(10, TimeUnit.SECONDS))
        .isInstanceOf(NoInstanceAvailableException.class).hasMessageContaining("'ghost'");
  }

  private static CompletableFuture<String> enqueue(OkHttpClient client, Request request) {
    CompletableFuture<String> result = new CompletableFuture<>();
    client.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        result.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call call, Response response) throws IOException {
        try (response) {
          result.complete(response.code() + " " + response.body().string());
        }
      }
    });
    return result;
  }
}
