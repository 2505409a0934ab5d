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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;

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
