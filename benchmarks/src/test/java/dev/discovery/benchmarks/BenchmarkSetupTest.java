package dev.discovery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.smallrye.stork.api.Service;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;
import org.xbill.DNS.Section;

/**
 * The benchmarks' set-up is only worth its numbers if every library really reads the same agent and sees the
 * same changes: this checks that, without timing anything.
 */
class BenchmarkSetupTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  @AfterAll
  static void stopStork() throws Exception {
    Clients.shutdownStork();
  }

  @Test
  void everyLibrarySeesTheRegisteredInstancesAndAHealthChange() throws Exception {
    try (ConsulTestAgent agent = Agents.withService("web", 3, 20000)) {
      CachingDiscovery ours = Clients.ours(agent);
      Consul kiwiClient = Clients.kiwiClient(agent);
      ServiceHealthCache kiwi = Clients.kiwiCache(kiwiClient, "web");
      Service stork = Clients.stork(agent, "web", "1");
      try {
        ServiceQuery web = ServiceQuery.of("web");
        assertThat(ports(ours.instances(web))).containsExactlyInAnyOrder(20000, 20001, 20002);
        assertThat(kiwiPorts(kiwi)).containsExactlyInAnyOrder(20000, 20001, 20002);
        assertThat(storkPorts(stork)).containsExactlyInAnyOrder(20000, 20001, 20002);

        agent.setServiceHealth(Agents.id("web", 0), "critical");

        Clients.await(() -> !ports(ours.instances(web)).contains(20000), BOUND, "ours to drop web-0");
        Clients.await(() -> !kiwiPorts(kiwi).contains(20000), BOUND, "kiwi to drop web-0");
        Clients.await(() -> !storkPorts(stork).contains(20000), BOUND, "Stork to drop web-0");
        assertThat(ports(ours.instances(web))).containsExactlyInAnyOrder(20001, 20002);
      } finally {
        kiwi.stop();
        kiwiClient.destroy();
        ours.close();
      }
    }
  }

  @Test
  void dnsBenchmarkSetUpAnswersWithTheRegisteredInstancesCachedUncachedAndRaw() throws Exception {
    DnsBenchmark.Agent agent = new DnsBenchmark.Agent();
    agent.setUp();
    DnsBenchmark.OursCached cached = new DnsBenchmark.OursCached();
    DnsBenchmark.OursUncached uncached = new DnsBenchmark.OursUncached();
    DnsBenchmark.Raw raw = new DnsBenchmark.Raw();
    try {
      cached.setUp(agent);
      uncached.setUp(agent);
      raw.setUp(agent); // throws unless the SRV answer has all 10 records
      DnsBenchmark bench = new DnsBenchmark();
      Set<Integer> registered = IntStream.range(20000, 20000 + DnsBenchmark.INSTANCES).boxed().collect(Collectors.toSet());
      assertThat(ports(bench.oursCached(cached))).isEqualTo(registered);
      assertThat(ports(bench.oursUncached(uncached))).isEqualTo(registered);
      assertThat(bench.dnsjavaRaw(raw).getSection(Section.ANSWER)).hasSize(DnsBenchmark.INSTANCES);

      // Uncached really asks the agent each time: a change shows at once, while the cache still serves.
      agent.consul.setServiceHealth(Agents.id("web", 0), "critical");
      assertThat(ports(bench.oursUncached(uncached))).doesNotContain(20000).hasSize(DnsBenchmark.INSTANCES - 1);
    } finally {
      cached.tearDown();
      uncached.tearDown();
      agent.tearDown();
    }
  }

  @Test
  void everyLibraryParsesTheSameHealthAnswerIntoTheSameInstances() throws Exception {
    try (ConsulTestAgent agent = Agents.withService("web", 40, 20000);
        HealthAnswers.Ours ours = new HealthAnswers.Ours("web");
        HealthAnswers.Kiwi kiwi = new HealthAnswers.Kiwi(agent, "web");
        HealthAnswers.Stork stork = new HealthAnswers.Stork(agent, "web")) {
      byte[] all = HealthAnswers.fetch(agent, "web");
      agent.setServiceHealth(Agents.id("web", 0), "critical");
      byte[] oneCritical = HealthAnswers.fetch(agent, "web");
      Set<Integer> registered = IntStream.range(20000, 20040).boxed().collect(Collectors.toSet());

      assertThat(ports(ours.parseAndApply(all))).isEqualTo(registered);
      assertThat(kiwi.parseAndApply(all).values().stream().map(h -> h.getService().getPort())
          .collect(Collectors.toSet())).isEqualTo(registered);
      List<io.smallrye.stork.api.ServiceInstance> first = stork.parseAndApply(all, List.of());
      assertThat(first.stream().map(io.smallrye.stork.api.ServiceInstance::getPort).collect(Collectors.toSet()))
          .isEqualTo(registered);

      // The applied change: web-0 gone everywhere; Stork keeps the IDs of the instances it matched.
      assertThat(ports(ours.parseAndApply(oneCritical))).hasSize(39).doesNotContain(20000);
      assertThat(kiwi.parseAndApply(oneCritical)).hasSize(39);
      List<io.smallrye.stork.api.ServiceInstance> second = stork.parseAndApply(oneCritical, first);
      assertThat(second).hasSize(39).allMatch(first::contains);
    }
  }

  @Test
  void awaitNamesWhatItWaitedForWhenItGivesUp() {
    assertThatThrownBy(() -> Clients.await(() -> false, Duration.ofMillis(1), "the impossible"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the impossible");
  }

  private static Set<Integer> ports(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::port).collect(Collectors.toSet());
  }

  private static Set<Integer> kiwiPorts(ServiceHealthCache cache) {
    return cache.getMap().values().stream().map(h -> h.getService().getPort()).collect(Collectors.toSet());
  }

  private static Set<Integer> storkPorts(Service stork) {
    return stork.getInstances().await().atMost(Duration.ofSeconds(10)).stream()
        .map(io.smallrye.stork.api.ServiceInstance::getPort).collect(Collectors.toSet());
  }
}
