package dev.discovery.spring.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.FakeTicker;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spring.cloud.ServiceCatalogReader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The health rules over a real discovery and agent: UP while lookups work, DOWN only when they would fail. */
class DiscoveryHealthTest {
  private static final Duration MAX_STALENESS = Duration.ofMillis(500);

  @Test
  @SuppressWarnings("unchecked")
  void upWhileFreshStaleWithinTheLimitThenDown() throws Exception {
    ConsulTestAgent consul = ConsulTestAgent.builder().start();
    QueryStates states = new QueryStates();
    FakeTicker clock = new FakeTicker();
    try (consul;
        CachingDiscovery discovery = ConsulDiscovery.http().agents(consul.httpUri())
            .errorBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
            .cache(cache -> cache.maxStaleness(MAX_STALENESS).ticker(clock).observer(states)).build();
        ConsulAgent agent = ConsulAgent.create(consul.httpUri())) {
      DiscoveryHealth health = new DiscoveryHealth("consul-http", states, MAX_STALENESS,
          new AgentProbe(new ServiceCatalogReader(agent, null)), () -> null);

      // Nothing watched and the agent answers: UP.
      assertThat(health.evaluate().up()).isTrue();

      consul.registerService("{\"Name\":\"web\",\"ID\":\"web-1\",\"Address\":\"127.0.0.1\",\"Port\":8080}");
      assertThat(discovery.instances("web")).hasSize(1);
      DiscoveryHealth.Report fresh = health.evaluate();
      assertThat(fresh.up()).isTrue();
      Map<String, Object> web = query(fresh, "'web'");
      assertThat(web).containsEntry("status", "UP").containsEntry("instances", 1).containsEntry("stale", false);
      assertThat((Map<String, Object>) fresh.details().get("agent")).containsEntry("reachable", true);

      consul.close();
      // The watch fails; until the answer is older than the maximum staleness, lookups are served and it is UP
      // (the query STALE); past it, lookups would throw, and it is DOWN. Staleness is read from a clock the test
      // moves, so each side of the limit is checked at the exact nanosecond.
      Await.until("the watch to fail against the stopped agent", () -> {
        Map<String, Object> q = query(health.evaluate(), "'web'");
        return "STALE".equals(q.get("status")) && q.get("error") != null;
      });
      clock.advance(MAX_STALENESS);
      DiscoveryHealth.Report atTheLimit = health.evaluate();
      assertThat(atTheLimit.up()).isTrue();
      assertThat(query(atTheLimit, "'web'")).containsEntry("status", "STALE").containsEntry("stale", true);
      assertThat(discovery.instances("web")).hasSize(1);

      clock.advanceNanos(1);
      DiscoveryHealth.Report report = health.evaluate();
      assertThat(report.up()).isFalse();
      Map<String, Object> q = query(report, "'web'");
      assertThat(q).containsEntry("status", "DOWN").containsEntry("stale", true);
      assertThat(q.get("error")).asString().contains("cannot reach consul agent");
      assertThat((Map<String, Object>) report.details().get("agent")).containsEntry("reachable", false);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> query(DiscoveryHealth.Report report, String name) {
    return (Map<String, Object>) ((Map<String, Object>) report.details().get("queries")).get(name);
  }

  @Test
  void nothingWatchedAndNoAgentIsDown() {
    ConsulTestAgent consul = ConsulTestAgent.builder().start();
    java.net.URI gone = consul.httpUri();
    consul.close();
    try (ConsulAgent agent = ConsulAgent.create(gone)) {
      DiscoveryHealth health = new DiscoveryHealth("consul-http", new QueryStates(), MAX_STALENESS,
          new AgentProbe(new ServiceCatalogReader(agent, null)), () -> null);
      assertThat(health.evaluate().up()).isFalse();
      // Without a probe (the DNS backend) and nothing watched, nothing says lookups would fail.
      assertThat(new DiscoveryHealth("consul-dns", new QueryStates(), MAX_STALENESS, null, () -> null)
          .evaluate().up()).isTrue();
    }
  }

  @Test
  void queryStatesForgetClosedQueries() {
    QueryStates states = new QueryStates();
    ConsulTestAgent consul = ConsulTestAgent.builder().start();
    try (consul;
        CachingDiscovery discovery = ConsulDiscovery.http().agents(consul.httpUri()).cache(cache -> cache.observer(states)).build()) {
      discovery.instances(ServiceQuery.of("a"));
      assertThat(states.snapshot()).extracting(s -> s.query().service()).containsExactly("a");
    }
    assertThat(states.snapshot()).isEmpty();
  }
}
