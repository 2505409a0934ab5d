package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.Fixtures;
import dev.discovery.spi.Watch;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpBackendTest {
  private static final String TOKEN = "b7e2c0de-0000-secret-9f3a";
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  private MockWebServer server;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private URI agent() {
    return URI.create("http://127.0.0.1:" + server.getPort());
  }

  private ConsulHttpBuilder builder() {
    return ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(agent()).token(TOKEN)
        .minRequestInterval(Duration.ZERO).errorBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
  }

  static String web(String... addresses) {
    String[] entries = new String[addresses.length];
    for (int i = 0; i < addresses.length; i++) {
      entries[i] = Bodies.entry("node" + i, addresses[i], "web-" + i, "web", "", 8080, List.of(), "passing");
    }
    return Bodies.array(entries);
  }

  static MockResponse ok(String body, long index) {
    return new MockResponse().setBody(body).setHeader("Content-Type", "application/json")
        .setHeader("X-Consul-Index", Long.toString(index));
  }

  @Test
  void aChangeArrivesAfterOneBlockingRoundTrip() throws Exception {
    server.enqueue(ok(web("10.0.0.1"), 10));
    server.enqueue(ok(web("10.0.0.1", "10.0.0.2"), 11));
    HttpBackend backend = builder().buildBackend();
    RecordingListener listener = new RecordingListener();
    try (Watch w = backend.watch(WEB, listener)) {
      assertThat(listener.nextAnswer().instances()).extracting(ServiceInstance::host).containsExactly("10.0.0.1");
      RecordedRequest first = server.takeRequest();
      assertThat(first.getRequestUrl().queryParameterNames()).doesNotContain("index", "wait");
      assertThat(first.getRequestUrl().queryParameterNames()).contains("passing");
      assertThat(listener.nextAnswer().instances()).extracting(ServiceInstance::host)
          .containsExactly("10.0.0.1", "10.0.0.2");
      RecordedRequest second = server.takeRequest();
      assertThat(second.getRequestUrl().queryParameter("index")).isEqualTo("10");
      assertThat(second.getRequestUrl().queryParameter("wait")).isEqualTo("300000ms");
      for (RecordedRequest r : List.of(first, second)) {
        assertThat(r.getHeader("X-Consul-Token")).isEqualTo(TOKEN);
        assertThat(r.getRequestUrl().toString()).doesNotContain(TOKEN);
      }
    } finally {
      backend.close();
    }
    assertThat(listener.overlapped).isFalse();
  }

  @Test
  void anIndexThatGoesBackwardsIsReset() throws Exception {
    server.enqueue(ok(web("10.0.0.1"), 100));
    server.enqueue(ok(web("10.0.0.1"), 5)); // snapshot restore: lower index
    server.enqueue(ok(web("10.0.0.2"), 6));
    server.enqueue(ok(web("10.0.0.2"), 0)); // never positive: treated as a reset too
    server.enqueue(ok(web("10.0.0.3"), 7));
    HttpBackend backend = builder().buildBackend();
    RecordingListener listener = new RecordingListener();
    try (Watch w = backend.watch(WEB, listener)) {
      for (int i = 0; i < 5; i++) {
        listener.nextAnswer();
      }
      assertThat(server.takeRequest().getRequestUrl().queryParameter("index")).isNull();
      assertThat(server.takeRequest().getRequestUrl().queryParameter("index")).isEqualTo("100");
      assertThat(server.takeRequest().getRequestUrl().queryParameter("index")).isNull();
      assertThat(server.takeRequest().getRequestUrl().queryParameter("index")).isEqualTo("6");
      assertThat(server.takeRequest().getRequestUrl().queryParameter("index")).isNull();
    } finally {
      backend.close();
    }
  }

  @Test
  void refusedTokenSaysWhatPermissionIsNeededWithoutTheToken() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(403).setBody("ACL not found"));
    server.enqueue(ok(web("10.0.0.1"), 3));
    HttpBackend backend = builder().buildBackend();
    RecordingListener listener = new RecordingListener();
    try (Watch w = backend.watch(WEB, listener)) {
      Throwable error = listener.nextError();
      assertThat(error).isInstanceOf(InvalidQueryException.class)
          .hasMessageContaining("refused the ACL token").hasMessageContaining("service:read")
          .hasMessageContaining("node:read").hasMessageContaining("ACL not found");
      assertThat(error.getMessage()).doesNotContain(TOKEN);
      listener.nextAnswer(); // keeps retrying until closed
    } finally {
      backend.close();
    }
  }

  @Test
  void rateLimitAndServerErrorsAreRetried() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(429));
    server.enqueue(new MockResponse().setResponseCode(500).setBody("No cluster leader"));
    server.enqueue(ok(web("10.0.0.1"), 3));
    HttpBackend backend = builder().buildBackend();
    RecordingListener listener = new RecordingListener();
    try (Watch w = backend.watch(WEB, listener)) {
      // A 429 means too many connections from this host: the watch budget takes it, not the cache (a run of them
      // would be reported, see ConnectionLimitTest); a 500 is the agent's trouble and is reported at once.
      assertThat(listener.nextError()).hasMessageContaining("500").hasMessageContaining("No cluster leader");
      assertThat(listener.nextAnswer().instances()).hasSize(1);
      assertThat(backend.watchBudget.rejections()).isEqualTo(1);
    } finally {
      backend.close();
    }
  }

  @Test
  void unknownDatacenterAndOtherStatusesAreReported() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(500).setBody("No path to datacenter"));
    server.enqueue(new MockResponse().setResponseCode(404).setBody("Invalid URL path: not a recognized HTTP API endpoint"));
    HttpBackend backend = builder().buildBackend();
    try {
      Throwable dc = backend.fetch(WEB.inDatacenter("mars")).handle((a, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(dc).isInstanceOf(InvalidQueryException.class).hasMessageContaining("mars");
      Throwable notFound = backend.fetch(WEB).handle((a, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(notFound).hasMessageContaining("404").hasMessageContaining("Invalid URL path");
    } finally {
      backend.close();
    }
  }

  @Test
  void badAnswersNeverReplaceTheLastGoodOne() throws Exception {
    String big = web("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7",
        "10.0.0.8", "10.0.0.9");
    server.setDispatcher(new Dispatcher() {
      final AtomicInteger n = new AtomicInteger();

      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        switch (n.getAndIncrement()) {
          case 0:
            return ok(web("10.0.0.1"), 10);
          case 1:
            return ok("[{\"Node\":", 11);
          case 2:
            return ok(web("10.0.0.1").replace("\"Port\":8080", "\"Port\":-3"), 12);
          case 3:
            return ok(big, 13); // larger than the 2 KiB limit
          case 4:
            return ok("null", 14);
          default:
            Thread.sleep(50);
            return ok("[{\"Node\":", 15);
        }
      }
    });
    assertThat(big.length()).isGreaterThan(2048);
    try (CachingDiscovery discovery = builder().maxBodySize(2048).build()) {
      assertThat(discovery.instances(WEB)).extracting(ServiceInstance::host).containsExactly("10.0.0.1");
      Await.until("the bad answers to be fetched", () -> server.getRequestCount() >= 6);
      ServiceSnapshot snapshot = discovery.snapshot(WEB);
      assertThat(snapshot.instances()).extracting(ServiceInstance::host).containsExactly("10.0.0.1");
      assertThat(snapshot.stale()).isTrue();
      assertThat(snapshot.lastError()).contains("unusable answer");
      assertThat(discovery.instances(WEB)).hasSize(1);
    }
  }

  @Test
  void oversizedAndNullBodiesAreRefusedClearly() throws Exception {
    server.enqueue(ok(web("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"), 1));
    server.enqueue(new MockResponse().setHeader("X-Consul-Index", "1")
        .setChunkedBody(web("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"), 100));
    server.enqueue(ok("null", 1));
    HttpBackend backend = builder().maxBodySize(1024).buildBackend();
    try {
      Throwable big = backend.fetch(WEB).handle((a, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(big).hasMessageContaining("exceeds the limit of 1024 bytes").hasMessageContaining("maxBodySize");
      // Without a declared length the answer is parsed as it arrives, and refused once it passes the cap.
      Throwable chunked = backend.fetch(WEB).handle((a, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(chunked).hasMessageContaining("more than 1024 bytes").hasMessageContaining("unusable answer");
      Throwable nul = backend.fetch(WEB).handle((a, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(nul).hasMessageContaining("JSON array").hasMessageContaining("NULL");
    } finally {
      backend.close();
    }
  }

  @Test
  void failsOverToTheNextAgentWhenOneCannotBeReached() throws Exception {
    URI dead;
    try (MockWebServer gone = new MockWebServer()) {
      gone.start(InetAddress.getByName("127.0.0.1"), 0);
      dead = URI.create("http://127.0.0.1:" + gone.getPort());
    }
    server.enqueue(ok(web("10.0.0.1"), 4));
    server.enqueue(ok(web("10.0.0.2"), 5));
    HttpBackend backend = builder().agents(dead, agent()).buildBackend();
    RecordingListener listener = new RecordingListener();
    try (Watch w = backend.watch(WEB, listener)) {
      assertThat(listener.nextAnswer().instances()).hasSize(1); // no error reported: the next agent answered
      assertThat(listener.nextAnswer().instances().get(0).host()).isEqualTo("10.0.0.2");
    } finally {
      backend.close();
    }
  }

  @Test
  void allAgentsDownIsReportedAndRetried() throws Exception {
    URI dead;
    try (MockWebServer gone = new MockWebServer()) {
      gone.start(InetAddress.getByName("127.0.0.1"), 0);
      dead = URI.create("http://127.0.0.1:" + gone.getPort());
    }
    HttpBackend backend = builder().agents(dead).buildBackend();
    RecordingListener listener = new RecordingListener();
    try (Watch w = backend.watch(WEB, listener)) {
      assertThat(listener.nextError()).hasMessageContaining("cannot reach consul agent")
          .hasMessageContaining(dead.toString());
      assertThat(listener.nextError()).hasMessageContaining("cannot reach consul agent");
    } finally {
      backend.close();
    }
  }

  @Test
  void aHundredWatchesOnOneAgentDoNotQueue() throws Exception {
    int services = 100;
    CountDownLatch allBlocked = new CountDownLatch(services);
    CountDownLatch release = new CountDownLatch(1);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        String name = request.getRequestUrl().pathSegments().get(3);
        String index = request.getRequestUrl().queryParameter("index");
        if (index == null) {
          return ok(Bodies.array(Bodies.entry("n", "10.0.0.1", name, name, "", 80, List.of(), "passing")), 1);
        }
        if (index.equals("1")) {
          allBlocked.countDown();
          release.await(20, TimeUnit.SECONDS);
          return ok(Bodies.array(Bodies.entry("n", "10.0.0.2", name, name, "", 80, List.of(), "passing")), 2);
        }
        Thread.sleep(200); // later rounds: block briefly, as an agent with no change would
        return ok(Bodies.array(Bodies.entry("n", "10.0.0.2", name, name, "", 80, List.of(), "passing")), 2);
      }
    });
    // A budget above the 100 watches: this is about OkHttp's dispatcher, not about the agent's connection limit.
    HttpBackend backend = builder().watchBudget(128).buildBackend();
    RecordingListener[] listeners = new RecordingListener[services];
    try {
      for (int i = 0; i < services; i++) {
        listeners[i] = new RecordingListener();
        backend.watch(ServiceQuery.of("svc" + i), listeners[i]);
      }
      // every watch holds its blocking request at the agent at the same time
      assertThat(allBlocked.await(20, TimeUnit.SECONDS)).as("100 concurrent blocking queries").isTrue();
      release.countDown();
      for (RecordingListener l : listeners) {
        assertThat(l.nextAnswer().instances().get(0).host()).isEqualTo("10.0.0.1");
        assertThat(l.nextAnswer().instances().get(0).host()).isEqualTo("10.0.0.2");
      }
    } finally {
      release.countDown();
      backend.close();
    }
    assertThat(backend.activeWatches()).isZero();
  }

  @Test
  void closingAWatchStopsItsRequests() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return ok(web("10.0.0.1"), 1 + Long.parseLong(
            request.getRequestUrl().queryParameter("index") == null ? "0" : request.getRequestUrl().queryParameter("index")));
      }
    });
    HttpBackend backend = builder().minRequestInterval(Duration.ofMillis(20)).buildBackend();
    RecordingListener listener = new RecordingListener();
    Watch w = backend.watch(WEB, listener);
    listener.nextAnswer();
    listener.nextAnswer();
    w.close();
    int count = server.getRequestCount();
    listener.events.clear();
    Thread.sleep(200); // a closed watch stays silent: no request, no listener call
    assertThat(server.getRequestCount()).isLessThanOrEqualTo(count + 1);
    assertThat(listener.events).isEmpty();
    backend.close();
  }

  @Test
  void fixtureThroughTheWholeStack() throws Exception {
    server.enqueue(ok(Fixtures.consul("health-service-redis.json"), 7));
    try (CachingDiscovery discovery = builder().build()) {
      List<ServiceInstance> redis = discovery.instances(ServiceQuery.of("redis"));
      assertThat(redis).extracting(ServiceInstance::address).containsExactly("10.1.10.12:8000");
      assertThat(discovery.backendDescription()).isEqualTo("consul-http " + agent()).doesNotContain(TOKEN);
    }
  }
}
