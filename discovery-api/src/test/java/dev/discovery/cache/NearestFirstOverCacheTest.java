package dev.discovery.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.FakeTicker;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.balance.LoadBalancers;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceHandle;
import dev.discovery.balance.ServiceSelector;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LoadBalancers#nearestFirst()} over the real cache: the answer's order (the registry's {@code near}
 * sort) survives the cache, picks go to the first instance while it is fine, to the next while it is ejected,
 * and back when its cool-down ends or the registry's order changes.
 */
class NearestFirstOverCacheTest {
  private static final ServiceQuery NEAR = ServiceQuery.of("web").near("_agent");
  private final FakeTicker clock = new FakeTicker();
  private final FakeBackend backend = new FakeBackend(true);
  private final CachingDiscovery discovery = CachingDiscovery.builder(backend).ticker(clock).build();
  private final ServiceSelector selector = ServiceSelector.builder(discovery).ticker(clock)
      .balancer(LoadBalancers.nearestFirst()).failuresToEject(2).ejectionTime(Duration.ofSeconds(30)).build();
  // Not in id order: the registry sorted them by distance, and nothing may sort them back.
  private final ServiceInstance near = FakeBackend.instance("web", 3);
  private final ServiceInstance middle = FakeBackend.instance("web", 1);
  private final ServiceInstance far = FakeBackend.instance("web", 2);

  @AfterEach
  void close() {
    discovery.close();
  }

  private void answer(List<ServiceInstance> instances) {
    discovery.instancesAsync(NEAR);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(instances);
    Await.until("the answer in the cache", () -> discovery.instances(NEAR).equals(instances));
  }

  private void picksAll(ServiceHandle handle, ServiceInstance expected) {
    for (int i = 0; i < 20; i++) {
      assertThat(handle.next()).isEqualTo(expected);
    }
  }

  @Test
  void picksFollowTheAnswerOrderAndSkipTheEjected() {
    answer(List.of(near, middle, far));
    assertThat(discovery.instances(NEAR)).as("the cache keeps the registry's order")
        .containsExactly(near, middle, far);
    ServiceHandle web = selector.forQuery(NEAR);
    picksAll(web, near);

    web.report(near, Outcome.FAILURE);
    picksAll(web, near); // one failure does not eject
    web.report(near, Outcome.FAILURE);
    assertThat(selector.isEjected(near)).isTrue();
    picksAll(web, middle);

    clock.advance(Duration.ofSeconds(30));
    picksAll(web, near);

    backend.push(List.of(far, near, middle)); // the network changed: the registry sorts anew
    Await.until("the new order in the cache", () -> discovery.instances(NEAR).get(0).equals(far));
    picksAll(web, far);
  }
}
