package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.internal.HealthParser;
import dev.discovery.consul.internal.InvalidAnswerException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.Fixtures;
import dev.discovery.consul.Mutations;
import dev.discovery.consul.Property;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cache property over the whole HTTP path (OkHttp, body limit, parser, blocking watch, cache): after a good
 * answer, a bad one (random, damaged or oversized, as {@link HealthParserPropertyTest} makes them) marks the
 * answer stale and names the problem, but lookups keep returning the good instances. Each try is its own query
 * (its own datacenter), so one agent and one cache serve all of them.
 */
class HttpCachePropertyTest {
  private static final String SAMPLE = Fixtures.consul("health-service-redis.json");
  private static final long MAX_BODY = 64 * 1024;
  private final Map<String, byte[]> badByDatacenter = new ConcurrentHashMap<>();
  private final Set<String> answered = ConcurrentHashMap.newKeySet();
  private MockWebServer server;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String dc = request.getRequestUrl().queryParameter("dc");
        byte[] bad = badByDatacenter.get(dc);
        // The first request of a query gets the good answer, every later one (the watch's blocking request,
        // then its retries) the bad one, so the query stays stale while the test looks.
        if (bad == null || answered.add(dc)) {
          return new MockResponse().setBody(SAMPLE).setHeader("X-Consul-Index", "10");
        }
        return new MockResponse().setBody(new Buffer().write(bad)).setHeader("X-Consul-Index", "11");
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aBadAnswerAfterAGoodOneNeverReplacesTheCachedInstances() throws Exception {
    ServiceQuery redis = ServiceQuery.of("redis");
    List<ServiceInstance> good = HealthParser.parse(SAMPLE.getBytes(StandardCharsets.UTF_8), redis, null)
        .instances();
    assertThat(good).hasSize(1);
    try (CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
        .agents(URI.create("http://127.0.0.1:" + server.getPort()))
        .minRequestInterval(Duration.ZERO)
        .errorBackoff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .maxBodySize(MAX_BODY)
        .cache(c -> c.maxStaleness(Duration.ofMinutes(10)))
        .build()) {
      int[] tries = {0};
      Property.forAll("cached HTTP answer survives a bad one", 50, HttpCachePropertyTest::badBody,
          Property::showBytes, bad -> {
            String dc = "dc" + tries[0]++;
            ServiceQuery query = redis.inDatacenter(dc);
            badByDatacenter.put(dc, bad);
            assertThat(discovery.instances(query)).isEqualTo(good);
            Await.until("the bad answer for " + dc, () -> discovery.snapshot(query).stale());
            ServiceSnapshot snapshot = discovery.snapshot(query);
            assertThat(snapshot.lastError()).contains("unusable answer").contains("last good one is kept");
            assertThat(snapshot.instances()).isEqualTo(good);
            assertThat(discovery.instances(query)).isEqualTo(good);
          });
    }
  }

  /** A body the parser refuses, or a valid one above the body limit. */
  private static byte[] badBody(Random r) {
    byte[] valid = SAMPLE.getBytes(StandardCharsets.UTF_8);
    if (r.nextInt(10) == 0) {
      return (SAMPLE + " ".repeat((int) MAX_BODY)).getBytes(StandardCharsets.UTF_8);
    }
    for (int attempt = 0; attempt < 1000; attempt++) {
      byte[] candidate = Mutations.anyBadInput(r, valid);
      try {
        HealthParser.parse(candidate, ServiceQuery.of("redis"), null);
      } catch (InvalidAnswerException e) {
        return candidate;
      }
    }
    throw new IllegalStateException("no refused body in 1000 attempts");
  }
}
