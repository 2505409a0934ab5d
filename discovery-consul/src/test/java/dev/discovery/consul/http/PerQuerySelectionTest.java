package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.Subscription;
import dev.discovery.balance.LoadBalancers;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceHandle;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-query selection over HTTP against the testkit: service meta, any-of tags, node meta, a filter Consul
 * rejects (one request, no retry loop, a good cache kept) and {@code near} honoured by the nearest-first balancer.
 */
class PerQuerySelectionTest {
  private ConsulTestAgent consul;
  private HttpBackend backend;
  private CachingDiscovery discovery;

  @BeforeEach
  void start() {
    consul = ConsulTestAgent.builder().runChecks(false).start();
  }

  @AfterEach
  void stop() {
    if (discovery != null) {
      discovery.close();
    }
    consul.close();
  }

  private CachingDiscovery discovery(ConsulHttpBuilder b) {
    backend = b.environment(ConsulEnvironment.none()).agents(consul.httpUri()).minRequestInterval(Duration.ZERO)
        .errorBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).buildBackend();
    discovery = CachingDiscovery.builder(backend).build();
    return discovery;
  }

  private CachingDiscovery discovery() {
    return discovery(ConsulDiscovery.http());
  }

  private void register(String node, String id, String address, String tags, String meta) {
    String json = "{\"Name\":\"web\",\"ID\":\"" + id + "\",\"Address\":\"" + address + "\",\"Port\":8080,"
        + "\"Tags\":[" + tags + "],\"Meta\":{" + meta + "}}";
    if (node == null) {
      consul.registerService(json);
    } else {
      consul.registerNodeService(node, address, json);
    }
  }

  /** A node with metadata, through {@code PUT /v1/catalog/register} (the testkit's controls set no node meta). */
  private void registerOnNodeWithMeta(String node, String address, String id, String nodeMeta) throws Exception {
    String body = "{\"Node\":\"" + node + "\",\"Address\":\"" + address + "\",\"NodeMeta\":{" + nodeMeta
        + "},\"Service\":{\"Service\":\"web\",\"ID\":\"" + id + "\",\"Port\":8080}}";
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(consul.httpUri().resolve("/v1/catalog/register"))
            .timeout(Duration.ofSeconds(10)).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static List<String> hosts(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::host).sorted().toList();
  }

  @Test
  void aMetaQueryReturnsOnlyTheMatchingInstancesAndFollowsChanges() {
    register(null, "w1", "10.0.0.1", "", "\"version\":\"1\"");
    register(null, "w2", "10.0.0.2", "", "\"version\":\"2\"");
    register(null, "w3", "10.0.0.3", "", "\"version\":\"2\",\"quote\":\"a \\\"b\\\" \\\\c\"");
    CachingDiscovery d = discovery();
    ServiceQuery v2 = ServiceQuery.of("web").withServiceMeta("version", "2");
    AtomicReference<List<ServiceInstance>> seen = new AtomicReference<>();
    try (Subscription s = d.subscribe(v2, seen::set)) {
      Await.until("the v2 instances", () -> seen.get() != null && hosts(seen.get()).size() == 2);
      assertThat(hosts(seen.get())).containsExactly("10.0.0.2", "10.0.0.3");
      assertThat(hosts(d.instances(ServiceQuery.of("web")))).as("another cache entry").hasSize(3);

      register(null, "w1", "10.0.0.1", "", "\"version\":\"2\""); // upgraded in place
      Await.until("w1 joins", () -> hosts(seen.get()).size() == 3);
      register(null, "w2", "10.0.0.2", "", "\"version\":\"3\"");
      Await.until("w2 leaves", () -> hosts(seen.get()).equals(List.of("10.0.0.1", "10.0.0.3")));
    }
    // A value with a quote and a backslash reaches Consul intact.
    assertThat(hosts(d.instances(ServiceQuery.of("web").withServiceMeta("quote", "a \"b\" \\c"))))
        .containsExactly("10.0.0.3");
  }

  @Test
  void anyOfTagsTakeAnInstanceWithOneOfThemAndCombineWithAllOfTags() {
    register(null, "w1", "10.0.0.1", "\"blue\",\"v2\"", "");
    register(null, "w2", "10.0.0.2", "\"green\"", "");
    register(null, "w3", "10.0.0.3", "\"red\",\"v2\"", "");
    register(null, "w4", "10.0.0.4", "\"green\",\"v2\"", "");
    CachingDiscovery d = discovery();
    assertThat(hosts(d.instances(ServiceQuery.of("web").withAnyTag("blue", "green"))))
        .containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.4");
    assertThat(hosts(d.instances(ServiceQuery.of("web").withAnyTag("blue", "green").withTags("v2"))))
        .containsExactly("10.0.0.1", "10.0.0.4");
    assertThat(hosts(d.instances(ServiceQuery.of("web").withAnyTag("purple")))).isEmpty();
  }

  @Test
  void nodeMetaSelectsByTheNodeAndAddsToTheClientWideOne() throws Exception {
    registerOnNodeWithMeta("n1", "10.0.1.1", "w1", "\"zone\":\"a\",\"os\":\"linux\"");
    registerOnNodeWithMeta("n2", "10.0.1.2", "w2", "\"zone\":\"b\",\"os\":\"linux\"");
    registerOnNodeWithMeta("n3", "10.0.1.3", "w3", "\"zone\":\"a\",\"os\":\"bsd\"");
    CachingDiscovery d = discovery(ConsulDiscovery.http().nodeMeta("os", "linux"));
    assertThat(hosts(d.instances(ServiceQuery.of("web")))).containsExactly("10.0.1.1", "10.0.1.2");
    assertThat(hosts(d.instances(ServiceQuery.of("web").withNodeMeta("zone", "a")))).containsExactly("10.0.1.1");
    assertThat(hosts(d.instances(ServiceQuery.of("web").withNodeMeta("os", "bsd"))))
        .as("the query's value for a key replaces the client's").containsExactly("10.0.1.3");
  }

  @Test
  void aFilterConsulRejectsFailsAtOnceNamingItAndIsAskedOnce() {
    register(null, "w1", "10.0.0.1", "", "\"version\":\"1\"");
    CachingDiscovery d = discovery();
    ServiceQuery bad = ServiceQuery.of("web").withFilter("Service.Meta.version = 2");
    assertThatThrownBy(() -> d.instances(bad)).isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("[Service.Meta.version = 2]")
        .hasMessageContaining("Failed to create boolean expression evaluator: ")
        .hasMessageContaining("not retried");
    // The caller hears first; the watch takes itself out of the backend right after.
    Await.until("the watch to stop: nothing left to retry", () -> backend.activeWatches() == 0);
    assertThatThrownBy(() -> d.instances(bad)).isInstanceOf(InvalidQueryException.class);
    assertThat(consul.requestCount("/v1/health/service/web")).isEqualTo(1);
  }

  @Test
  void aWatchThatIsToldItsFilterIsInvalidStopsAndKeepsItsGoodAnswer() {
    register(null, "w1", "10.0.0.1", "", "\"version\":\"2\"");
    CachingDiscovery d = discovery();
    ServiceQuery v2 = ServiceQuery.of("web").withServiceMeta("version", "2");
    assertThat(hosts(d.instances(v2))).containsExactly("10.0.0.1");
    Await.until("the watch to block", () -> consul.requestCount("/v1/health/service/web") == 2);
    // As a client agent relays a server's refusal (e.g. after a rolling change of Consul versions).
    consul.failNext(1, 500, "rpc error making call: Failed to create boolean expression evaluator: 1:1: no match");
    register(null, "w2", "10.0.0.2", "", "\"version\":\"2\""); // the blocked request answers; the next fails
    Await.until("the watch to stop", () -> backend.activeWatches() == 0);
    assertThat(d.snapshot(v2).stale()).isTrue();
    assertThat(d.snapshot(v2).lastError()).contains("rpc error making call: Failed to create boolean expression");
    assertThat(hosts(d.instances(v2))).as("the good answer is kept").containsExactly("10.0.0.1", "10.0.0.2");
    long asked = consul.requestCount("/v1/health/service/web");
    register(null, "w3", "10.0.0.3", "", "\"version\":\"2\"");
    assertThat(hosts(d.instances(v2))).hasSize(2);
    assertThat(consul.requestCount("/v1/health/service/web")).isEqualTo(asked);
  }

  @Test
  void nearKeepsConsulsOrderAndTheNearestFirstBalancerFollowsIt() {
    register(null, "w0", "10.0.2.1", "", "");
    register("far", "w1", "10.0.2.2", "", "");
    register("close", "w2", "10.0.2.3", "", "");
    consul.setNodeCoordinate(consul.nodeName(), Duration.ofMillis(30));
    consul.setNodeCoordinate("close", Duration.ofMillis(2));
    consul.setNodeCoordinate("far", Duration.ofMillis(80));
    CachingDiscovery d = discovery();
    ServiceQuery near = ServiceQuery.of("web").near("close");
    assertThat(d.instances(near)).extracting(ServiceInstance::host)
        .containsExactly("10.0.2.3", "10.0.2.1", "10.0.2.2");
    ServiceSelector selector = ServiceSelector.builder(d).balancer(LoadBalancers.nearestFirst())
        .failuresToEject(1).ejectionTime(Duration.ofMinutes(5)).build();
    ServiceHandle web = selector.forQuery(near);
    for (int i = 0; i < 10; i++) {
      assertThat(web.next().host()).isEqualTo("10.0.2.3");
    }
    ServiceInstance nearest = web.next();
    web.report(nearest, Outcome.FAILURE);
    for (int i = 0; i < 10; i++) {
      assertThat(web.next().host()).as("the next nearest while the nearest is ejected").isEqualTo("10.0.2.1");
    }
  }
}
