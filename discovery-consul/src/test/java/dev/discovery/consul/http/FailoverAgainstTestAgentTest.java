package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.InvalidQueryException;
import dev.discovery.LogCapture;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.Subscription;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.consul.testkit.TestDatacenter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Datacenter failover done by the client, and Consul prepared queries, end to end over the HTTP backend against the
 * testkit with three datacenters.
 */
class FailoverAgainstTestAgentTest {
  private static final String HEALTH = "/v1/health/service/web";
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private ConsulTestAgent agent;
  private TestDatacenter dc2;
  private TestDatacenter dc3;
  private HttpBackend backend;

  @BeforeEach
  void start() {
    agent = ConsulTestAgent.builder().runChecks(false).start();
    closeables.add(agent);
    dc2 = agent.addDatacenter("dc2");
    dc3 = agent.addDatacenter("dc3");
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private static String web(String id) {
    return "{\"Name\":\"web\",\"ID\":\"" + id + "\",\"Port\":80,\"Check\":{\"TTL\":\"10m\",\"Status\":\"passing\"}}";
  }

  private CachingDiscovery discovery() {
    backend = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(agent.httpUri())
        .minRequestInterval(Duration.ZERO).errorBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
        .buildBackend();
    CachingDiscovery d = CachingDiscovery.builder(backend).refreshInterval(Duration.ofMillis(100)).build();
    closeables.add(d);
    return d;
  }

  private static List<String> hosts(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::host).sorted().collect(Collectors.toList());
  }

  private static void awaitHosts(CachingDiscovery d, ServiceQuery q, String... hosts) {
    Await.until("the answer " + List.of(hosts), () -> hosts(d.instances(q)).equals(List.of(hosts)));
  }

  @Test
  void failsOverWhenTheLocalInstancesGoCriticalAndFailsBackWhenTheyRecoverWatchingTheFallbackOnlyMeanwhile() {
    agent.registerNodeService("a1", "10.0.1.1", web("web-a1"));
    dc2.registerNodeService("b1", "10.0.2.1", web("web-b1"));
    CachingDiscovery d = discovery();
    ServiceQuery q = ServiceQuery.of("web").withFailover("dc2", "dc3");
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    Subscription s = d.subscribe(q, list -> seen.add(hosts(list)));
    closeables.add(s::close);

    Await.until("the local answer", () -> seen.size() == 1);
    assertThat(seen.get(0)).containsExactly("10.0.1.1");
    assertThat(d.snapshot(q).datacenter()).isNull();
    assertThat(dc2.requestCount(HEALTH)).as("dc2 is not asked while dc1 is healthy").isZero();
    assertThat(backend.activeWatches()).isEqualTo(1);

    agent.setServiceHealth("web-a1", "critical");
    Await.until("the failed-over answer", () -> seen.size() == 2);
    assertThat(seen.get(1)).containsExactly("10.0.2.1");
    assertThat(d.snapshot(q).datacenter()).isEqualTo("dc2");
    assertThat(backend.activeWatches()).as("dc1 and dc2 watched").isEqualTo(2);
    assertThat(dc3.requestCount(HEALTH)).as("dc3 is not needed").isZero();

    agent.setServiceHealth("web-a1", "passing");
    Await.until("the fail-back", () -> seen.size() == 3);
    assertThat(seen.get(2)).containsExactly("10.0.1.1");
    assertThat(d.snapshot(q).datacenter()).isNull();
    Await.until("the dc2 watch to stop", () -> backend.activeWatches() == 1);
  }

  @Test
  void minHealthyFailsOverWhileTheLocalDatacenterHasFewerInstances() {
    agent.registerNodeService("a1", "10.0.1.1", web("web-a1"));
    agent.registerNodeService("a2", "10.0.1.2", web("web-a2"));
    dc2.registerNodeService("b1", "10.0.2.1", web("web-b1"));
    dc3.registerNodeService("c1", "10.0.3.1", web("web-c1"));
    dc3.registerNodeService("c2", "10.0.3.2", web("web-c2"));
    CachingDiscovery d = discovery();
    ServiceQuery q = ServiceQuery.of("web").withFailover("dc2", "dc3").withMinHealthy(2);

    assertThat(hosts(d.instances(q))).containsExactly("10.0.1.1", "10.0.1.2");
    agent.setServiceHealth("web-a2", "critical");
    awaitHosts(d, q, "10.0.3.1", "10.0.3.2"); // dc2 has only one: not enough either
    assertThat(d.snapshot(q).datacenter()).isEqualTo("dc3");
    agent.setServiceHealth("web-a2", "passing");
    awaitHosts(d, q, "10.0.1.1", "10.0.1.2");
    Await.until("only dc1 watched", () -> backend.activeWatches() == 1);
  }

  @Test
  void anUnknownFallbackDatacenterIsSkippedWithOneWarningNamingIt() {
    dc3.registerNodeService("c1", "10.0.3.1", web("web-c1"));
    CachingDiscovery d = discovery();
    ServiceQuery q = ServiceQuery.of("web").withFailover("dc9", "dc3");
    try (LogCapture logs = new LogCapture()) {
      assertThat(hosts(d.instances(q))).containsExactly("10.0.3.1");
      assertThat(d.snapshot(q).datacenter()).isEqualTo("dc3");
      List<String> warnings = logs.at(Level.WARNING).stream().map(r -> r.getMessage())
          .collect(Collectors.toList());
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains("'dc9'", "No path to datacenter");
    }
    assertThat(agent.requestCount(HEALTH)).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aPreparedQueryRunsInConsulWithItsFailoverAndIsRefreshedOnTheInterval() {
    agent.registerNodeService("a1", "10.0.1.1", web("web-a1"));
    dc2.registerNodeService("b1", "10.0.2.1", web("web-b1"));
    agent.createPreparedQuery("{\"Name\":\"web-ha\",\"Service\":{\"Service\":\"web\","
        + "\"Failover\":{\"Datacenters\":[\"dc2\"]}}}");
    CachingDiscovery d = discovery();
    ServiceQuery q = ServiceQuery.preparedQuery("web-ha");

    assertThat(hosts(d.instances(q))).containsExactly("10.0.1.1");
    assertThat(d.snapshot(q).datacenter()).isEqualTo("dc1");
    assertThat(d.instances(q).get(0).service()).isEqualTo("web");
    assertThat(backend.activeWatches()).as("Consul cannot block on a prepared query").isZero();

    agent.setServiceHealth("web-a1", "critical");
    awaitHosts(d, q, "10.0.2.1");
    assertThat(d.snapshot(q).datacenter()).isEqualTo("dc2");
    long executed = agent.requestCount("/v1/query/web-ha/execute");
    Await.until("another refresh", () -> agent.requestCount("/v1/query/web-ha/execute") > executed);
  }

  @Test
  void anUnknownPreparedQueryIsAnInvalidQueryNamingIt() {
    CachingDiscovery d = discovery();
    assertThatThrownBy(() -> d.instances(ServiceQuery.preparedQuery("nope")))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("no prepared query 'nope'")
        .hasMessageContaining("Query not found");
  }
}
