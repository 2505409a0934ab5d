package dev.discovery.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The meters an operator would watch through an agent outage, over Consul's HTTP API against the testkit
 * agent: refresh errors count up, staleness grows, the retry delay is above zero and the cache is stale;
 * after the agent is back, a change is counted and the gauges read healthy again.
 */
class ConsulOutageMetricsIntegrationTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ConsulTestAgent kit;
  private CachingDiscovery discovery;

  @BeforeEach
  void start() {
    kit = ConsulTestAgent.builder().start();
    register("web-1", "10.0.0.1");
    discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(kit.httpUri())
        .waitTime(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1))
        .connectTimeout(Duration.ofSeconds(1)).minRequestInterval(Duration.ofMillis(20))
        .errorBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .cache(c -> c.observer(MicrometerObserver.create(registry))).build();
  }

  @AfterEach
  void stop() {
    discovery.close();
    kit.close();
  }

  private void register(String id, String address) {
    kit.registerService("{\"Name\":\"web\",\"ID\":\"" + id + "\",\"Address\":\"" + address + "\",\"Port\":8080}");
  }

  private Search web(String name) {
    return registry.find(name).tags("service", "web", "backend", "consul-http", "dc", "default");
  }

  private double gauge(String name) {
    Gauge g = web(name).gauge();
    assertThat(g).as("gauge %s", name).isNotNull();
    return g.value();
  }

  private double errors() {
    return web("discovery.refresh.errors").counters().stream().mapToDouble(Counter::count).sum();
  }

  @Test
  void anAgentOutageShowsInTheMetersAndSoDoesTheRecovery() {
    assertThat(discovery.instances(WEB)).hasSize(1);
    assertThat(gauge("discovery.cache.instances")).isEqualTo(1);
    assertThat(gauge("discovery.cache.stale")).isZero();
    assertThat(gauge("discovery.watch.backoff")).isZero();
    assertThat(errors()).isZero();

    kit.dropConnections(true); // the agent cuts every connection, the waiting blocking query included
    Await.until("refresh errors to be counted", () -> errors() >= 2);
    Await.until("the cache to be stale", () -> gauge("discovery.cache.stale") == 1);
    Await.until("a retry delay above zero", () -> gauge("discovery.watch.backoff") > 0);
    double staleness = gauge("discovery.cache.staleness");
    Await.until("staleness to grow", () -> gauge("discovery.cache.staleness") > staleness);
    assertThat(discovery.instances(WEB)).as("the last good answer").hasSize(1);
    assertThat(web("discovery.lookups").tag("result", "stale").counter().count()).isPositive();
    assertThat(web("discovery.refresh.errors").counters()).extracting(c -> c.getId().getTag("cause"))
        .as("causes are exception class names").allMatch(c -> c.matches("[A-Za-z]+"));
    for (Meter m : registry.getMeters()) {
      assertThat(m.getId().getTags()).as("tags of %s", m.getId().getName())
          .noneMatch(t -> t.getValue().contains("127.0.0.1") || t.getValue().contains("http://"));
    }

    kit.dropConnections(false);
    register("web-2", "10.0.0.2");
    Await.until("the new instance after the outage", () -> gauge("discovery.cache.instances") == 2);
    Await.until("the cache to be fresh", () -> gauge("discovery.cache.stale") == 0);
    assertThat(gauge("discovery.watch.backoff")).as("healthy: no retry delay").isZero();
    assertThat(gauge("discovery.cache.staleness")).isLessThan(staleness + 60);
    assertThat(web("discovery.refresh.changes").counter().count()).isGreaterThanOrEqualTo(1);

    discovery.close();
    assertThat(registry.find("discovery.cache.staleness").gauges()).as("meters removed on close").isEmpty();
  }

  @Test
  void noMeterNameOrTagCarriesTheAclTokenEvenWhenItIsRefused() {
    String token = "3f4e7c1a-metrics-secret-9b2d";
    try (ConsulTestAgent secured = ConsulTestAgent.builder().aclToken(token).start()) {
      secured.registerService("{\"Name\":\"web\",\"ID\":\"web-1\",\"Address\":\"10.0.0.1\",\"Port\":8080}");
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (CachingDiscovery good = ConsulDiscovery.http().environment(ConsulEnvironment.none())
              .agents(secured.httpUri()).token(token).cache(c -> c.observer(MicrometerObserver.create(meters))).build();
          CachingDiscovery refused = ConsulDiscovery.http().environment(ConsulEnvironment.none())
              .agents(secured.httpUri()).token(token + "-wrong").cache(c -> c.loadTimeout(Duration.ofSeconds(5)))
              .cache(c -> c.observer(MicrometerObserver.create(meters))).build()) {
        assertThat(good.instances(WEB)).hasSize(1);
        ServiceQuery api = ServiceQuery.of("api");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> refused.instances(api)).isNotNull();
        Await.until("the refusal to be counted", () -> meters.find("discovery.refresh.errors")
            .tags("service", "api").counters().stream().mapToDouble(Counter::count).sum() >= 1);
        assertThat(meters.getMeters()).isNotEmpty();
        for (Meter m : meters.getMeters()) {
          assertThat(m.getId().toString()).as("meter id").doesNotContain(token).doesNotContain("metrics-secret");
        }
      }
    }
  }
}
