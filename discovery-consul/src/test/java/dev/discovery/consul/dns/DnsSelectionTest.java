package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-query selection over DNS: any-of tags by one name per tag, merged; everything a DNS name cannot carry is
 * refused at once, before any question, naming what and pointing to the HTTP backend.
 */
class DnsSelectionTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private ConsulTestAgent agent() {
    ConsulTestAgent agent = ConsulTestAgent.builder().runChecks(false).start();
    closeables.add(agent);
    return agent;
  }

  private CachingDiscovery discovery(ConsulTestAgent agent) {
    CachingDiscovery discovery = ConsulDiscovery.dns().server(agent.dnsAddress()).timeout(Duration.ofSeconds(2))
        .refreshInterval(Duration.ofMillis(50)).build();
    closeables.add(discovery);
    return discovery;
  }

  private static void register(ConsulTestAgent agent, String id, String address, String tags) {
    agent.registerNodeService("node-" + id, address,
        "{\"Name\":\"web\",\"ID\":\"" + id + "\",\"Port\":8080,\"Tags\":[" + tags + "]}");
  }

  @Test
  void anyOfTagsAskEachTagsNameAndMergeByInstance() {
    ConsulTestAgent agent = agent();
    register(agent, "w1", "10.0.0.1", "\"blue\"");
    register(agent, "w2", "10.0.0.2", "\"green\",\"blue\"");
    register(agent, "w3", "10.0.0.3", "\"red\"");
    register(agent, "w4", "10.0.0.4", "\"green\"");
    CachingDiscovery discovery = discovery(agent);
    List<ServiceInstance> instances = discovery.instances(ServiceQuery.of("web").withAnyTag("green", "blue"));
    Map<String, List<String>> tagsByAddress = instances.stream().collect(Collectors.toMap(
        ServiceInstance::address, i -> i.tags().stream().sorted().toList()));
    assertThat(tagsByAddress).containsOnly(
        Map.entry("10.0.0.1:8080", List.of("blue")),
        Map.entry("10.0.0.2:8080", List.of("blue", "green")), // found under both names: one instance
        Map.entry("10.0.0.4:8080", List.of("green")));
    assertThat(discovery.instances(ServiceQuery.of("web").withAnyTag("purple"))).isEmpty();
  }

  @Test
  void whatADnsNameCannotCarryIsRefusedBeforeAnyQuestion() throws Exception {
    ConsulLikeDns consul = new ConsulLikeDns();
    FakeDnsServer server = new FakeDnsServer(consul);
    closeables.add(server);
    ConsulDnsBackend backend = new ConsulDnsBackend(List.of(server.address()), ConsulLikeDns.DOMAIN, null, null,
        false, Transport.UDP_FIRST, Duration.ofSeconds(2));
    closeables.add(backend);
    ServiceQuery web = ServiceQuery.of("web");
    assertRefused(backend, web.withFilter("Service.Port == 80"), "a filter expression (Service.Port == 80)");
    assertRefused(backend, web.withServiceMeta("version", "2"), "service meta {version=2}");
    assertRefused(backend, web.withNodeMeta("zone", "a"), "node meta {zone=a}");
    assertRefused(backend, web.near("_agent"), "sorting near a node (_agent)");
    assertRefused(backend, web.withTags("v2").withAnyTag("blue", "green"),
        "all-of tags [v2] together with any-of tags [blue, green]");
    assertThat(server.questions()).as("nothing was asked").isEmpty();
  }

  @Test
  void aRefusedQueryFailsItsLookupWithTheReason() {
    CachingDiscovery discovery = discovery(agent());
    assertThatThrownBy(() -> discovery.instances(ServiceQuery.of("web").withServiceMeta("version", "2")))
        .isInstanceOf(InvalidQueryException.class).hasMessageContaining("service meta")
        .hasMessageContaining("use the HTTP backend");
  }

  private static void assertRefused(ConsulDnsBackend backend, ServiceQuery query, String what) throws Exception {
    Throwable error;
    try {
      backend.fetch(query).get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected " + query + " to be refused");
    } catch (ExecutionException e) {
      error = e.getCause();
    }
    assertThat(error).isInstanceOf(InvalidQueryException.class).hasMessageContaining(what)
        .hasMessageContaining("use the HTTP backend (ConsulDiscovery.http())");
  }
}
