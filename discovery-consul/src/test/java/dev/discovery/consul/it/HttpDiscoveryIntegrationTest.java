package dev.discovery.consul.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.http.ConsulHttpBuilder;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP backend against a Consul agent: the testkit by default, a real agent with -Dconsul.address. */
class HttpDiscoveryIntegrationTest {
  private ConsulUnderTest consul;
  private ConsulAgent agent;
  private final List<String> registered = new ArrayList<>();

  @BeforeEach
  void start() {
    consul = ConsulUnderTest.start();
    agent = consul.agent();
  }

  @AfterEach
  void stop() {
    for (String id : registered) {
      try {
        agent.deregisterService(id);
      } catch (RuntimeException e) {
        // already gone
      }
    }
    agent.close();
    consul.close();
  }

  private ConsulHttpBuilder discovery() {
    ConsulHttpBuilder b = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(consul.httpUri())
        .errorBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).minRequestInterval(Duration.ofMillis(10));
    consul.token().ifPresent(b::token);
    return b;
  }

  /** Registers {@code id} of {@code name} with a passing TTL check whose ID is {@code service:<id>}. */
  private void register(String name, String id, String address) {
    agent.registerService(ServiceRegistration.builder(name).id(id).address(address).port(8080)
        .check(CheckDefinition.ttl(Duration.ofMinutes(10)).initialStatus(dev.discovery.Health.PASSING)).build());
    registered.add(id);
  }

  private static List<String> hosts(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::host).sorted().toList();
  }

  @Test
  void aHealthChangeReachesASubscriberAfterOneBlockingRoundTrip() {
    String name = ConsulUnderTest.uniqueName("web");
    register(name, name + "-1", "10.0.0.1");
    register(name, name + "-2", "10.0.0.2");
    AtomicReference<List<ServiceInstance>> seen = new AtomicReference<>();
    // A 5-minute wait: an update within seconds can only come from the blocking query returning on the change.
    try (CachingDiscovery discovery = discovery().waitTime(Duration.ofMinutes(5)).build();
         Subscription s = discovery.subscribe(ServiceQuery.of(name), seen::set)) {
      Await.until("both instances", () -> seen.get() != null && seen.get().size() == 2);
      String path = "/v1/health/service/" + name;
      ConsulTestAgent kit = consul.real() ? null : consul.testkit();
      if (kit != null) {
        Await.until("the blocking query to be in flight", () -> kit.requestCount(path) == 2);
      }
      agent.failTtl("service:" + name + "-2", "broken");
      Await.until("the critical instance to disappear", Duration.ofSeconds(20), () -> seen.get().size() == 1);
      assertThat(hosts(seen.get())).containsExactly("10.0.0.1");
      if (kit != null) {
        // the change came back on the request already waiting, plus at most the next one now waiting
        assertThat(kit.requestCount(path)).isLessThanOrEqualTo(3);
      }
    }
  }

  @Test
  void anIndexMovedBackwardsIsRecovered() {
    ConsulTestAgent kit = consul.testkit();
    String name = ConsulUnderTest.uniqueName("api");
    register(name, name + "-1", "10.0.1.1");
    AtomicReference<List<ServiceInstance>> seen = new AtomicReference<>();
    try (CachingDiscovery discovery = discovery().waitTime(Duration.ofSeconds(2)).build();
         Subscription s = discovery.subscribe(ServiceQuery.of(name), seen::set)) {
      Await.until("the first answer", () -> seen.get() != null && seen.get().size() == 1);
      for (int i = 0; i < 20; i++) {
        register(ConsulUnderTest.uniqueName("filler"), ConsulUnderTest.uniqueName("filler-id"), "10.9.9.9");
      }
      kit.resetIndex(1); // a snapshot restore: the index is now far below what the client holds
      register(name, name + "-2", "10.0.1.2");
      Await.until("the instance added after the index went backwards", () -> seen.get().size() == 2);
      assertThat(hosts(seen.get())).containsExactly("10.0.1.1", "10.0.1.2");
    }
  }

  @Test
  void anAgentStoppedAndRestartedMidWatchIsSurvived() {
    ConsulTestAgent kit = consul.testkit();
    String name = ConsulUnderTest.uniqueName("db");
    register(name, name + "-1", "10.0.2.1");
    ServiceQuery query = ServiceQuery.of(name);
    AtomicReference<List<ServiceInstance>> seen = new AtomicReference<>();
    try (CachingDiscovery discovery = discovery().cache(c -> c.maxStaleness(Duration.ofMinutes(5))).build();
         Subscription s = discovery.subscribe(query, seen::set)) {
      Await.until("the first answer", () -> seen.get() != null && seen.get().size() == 1);

      kit.dropConnections(true); // the agent is gone: in-flight blocking query cut, new ones refused
      Await.until("the watch to notice the agent is down", () -> discovery.snapshot(query).stale());
      ServiceSnapshot meanwhile = discovery.snapshot(query);
      assertThat(hosts(meanwhile.instances())).containsExactly("10.0.2.1");
      assertThat(hosts(discovery.instances(query))).containsExactly("10.0.2.1");

      kit.dropConnections(false);
      kit.restart(true); // and a real restart on the same port, keeping its data
      Await.until("the watch to recover", () -> !discovery.snapshot(query).stale());
      register(name, name + "-2", "10.0.2.2");
      Await.until("a change after the restart", () -> seen.get().size() == 2);
      assertThat(hosts(discovery.instances(query))).containsExactly("10.0.2.1", "10.0.2.2");
    }
  }

  @Test
  void aHundredWatchedServicesOnOneAgentAllUpdate() {
    int n = 100;
    String prefix = ConsulUnderTest.uniqueName("many");
    List<AtomicReference<List<ServiceInstance>>> seen = new ArrayList<>();
    List<Subscription> subscriptions = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      register(prefix + "-" + i, prefix + "-" + i + "-a", "10.1.0." + (i % 250 + 1));
    }
    try (CachingDiscovery discovery = discovery().build()) {
      for (int i = 0; i < n; i++) {
        AtomicReference<List<ServiceInstance>> ref = new AtomicReference<>();
        seen.add(ref);
        subscriptions.add(discovery.subscribe(ServiceQuery.of(prefix + "-" + i), ref::set));
      }
      Await.until("100 first answers", () -> seen.stream().allMatch(r -> r.get() != null && r.get().size() == 1));
      if (!consul.real()) {
        ConsulTestAgent kit = consul.testkit();
        Await.until("100 blocking queries in flight", () -> {
          for (int i = 0; i < n; i++) {
            if (kit.requestCount("/v1/health/service/" + prefix + "-" + i) < 2) {
              return false;
            }
          }
          return true;
        });
      }
      for (int i = 0; i < n; i++) {
        register(prefix + "-" + i, prefix + "-" + i + "-b", "10.2.0." + (i % 250 + 1));
      }
      Await.until("every one of the 100 services to show its second instance", Duration.ofSeconds(30),
          () -> seen.stream().allMatch(r -> r.get().size() == 2));
      subscriptions.forEach(Subscription::close);
    }
  }

  @Test
  void warningInstancesAreKeptOnlyWhenAsked() {
    String name = ConsulUnderTest.uniqueName("cache");
    register(name, name + "-1", "10.0.3.1");
    register(name, name + "-2", "10.0.3.2");
    agent.warnTtl("service:" + name + "-2", "slow");
    try (CachingDiscovery discovery = discovery().build()) {
      Await.until("the passing instance only", () -> discovery.instances(ServiceQuery.of(name)).size() == 1);
      ServiceQuery lenient = ServiceQuery.of(name).withHealth(dev.discovery.HealthFilter.PASSING_OR_WARNING);
      List<ServiceInstance> both = discovery.instances(lenient);
      assertThat(hosts(both)).containsExactly("10.0.3.1", "10.0.3.2");
      assertThat(both.stream().filter(i -> i.host().equals("10.0.3.2")).findFirst().orElseThrow().health())
          .isEqualTo(dev.discovery.Health.WARNING);
    }
  }
}
