package dev.discovery.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.FakeTicker;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.balance.ServiceHandle;
import dev.discovery.balance.ServiceSelector;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A selector's handle over the real cache: changes, staleness, eviction and the allocation-free pick. */
class HandleOverCacheTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  private static final Duration IDLE = Duration.ofMinutes(15);
  private final FakeTicker clock = new FakeTicker();
  private final FakeBackend backend = new FakeBackend(true);
  private final CachingDiscovery discovery = CachingDiscovery.builder(backend).ticker(clock)
      .idleTimeout(IDLE).maxStaleness(Duration.ofMinutes(1)).build();
  private final ServiceSelector selector = ServiceSelector.builder(discovery).ticker(clock).build();
  private final List<ServiceInstance> three = List.of(
      FakeBackend.instance("web", 1), FakeBackend.instance("web", 2), FakeBackend.instance("web", 3));

  @AfterEach
  void close() {
    discovery.close();
  }

  private void loaded(int watches, List<ServiceInstance> instances) {
    discovery.instancesAsync(WEB);
    Await.until("watch " + watches + " to start", () -> backend.watchesStarted.get() == watches
        && backend.listeners.size() == 1);
    backend.push(instances);
  }

  private Set<ServiceInstance> picks(ServiceHandle handle, int n) {
    Set<ServiceInstance> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      seen.add(handle.next());
    }
    return seen;
  }

  @Test
  void aPushedChangeReachesTheHandleWithoutAnyLookup() {
    loaded(1, three);
    ServiceHandle web = selector.forService("web");
    assertThat(picks(web, 3)).containsExactlyInAnyOrderElementsOf(three);
    backend.push(three.subList(0, 1));
    assertThat(picks(web, 3)).containsExactly(three.get(0));
  }

  @Test
  void aSubscriberToldOfAChangeFindsThePicksOnItAlready() throws Exception {
    loaded(1, three);
    ServiceHandle web = selector.forService("web");
    web.next();
    java.util.concurrent.CompletableFuture<Set<ServiceInstance>> pickedWhenTold =
        new java.util.concurrent.CompletableFuture<>();
    try (dev.discovery.Subscription s = discovery.subscribe(WEB, list -> {
      if (list.size() == 1) {
        pickedWhenTold.complete(picks(web, 3));
      }
    })) {
      backend.push(three.subList(0, 1));
      assertThat(pickedWhenTold.get(10, java.util.concurrent.TimeUnit.SECONDS))
          .as("the handle had the change before the subscriber heard of it").containsExactly(three.get(0));
    }
  }

  @Test
  void aStaleAnswerServesUpToTheMaximumStalenessThenThrows() {
    loaded(1, three);
    ServiceHandle web = selector.forService("web");
    web.next();
    backend.pushError(new IOException("agent down"));
    clock.advance(Duration.ofMinutes(1));
    assertThat(picks(web, 3)).as("stale but within the limit").containsExactlyInAnyOrderElementsOf(three);
    clock.advanceNanos(1);
    assertThatThrownBy(web::next).isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("'web'");
    backend.push(three.subList(1, 2));
    assertThat(picks(web, 3)).as("recovered").containsExactly(three.get(1));
  }

  @Test
  void picksKeepTheQueryWatchedAndAHandleReloadsTransparentlyAfterEviction() {
    loaded(1, three);
    ServiceHandle web = selector.forService("web");
    web.next();
    clock.advance(IDLE);
    web.next(); // in use: the sweep below sees it
    assertThat(discovery.watchedQueries()).isEqualTo(1);
    clock.advance(IDLE);
    assertThat(discovery.watchedQueries()).as("picked within the idle time: still watched").isEqualTo(1);
    clock.advanceNanos(1);
    assertThat(discovery.watchedQueries()).as("no pick for longer than the idle time: forgotten").isZero();
    assertThat(backend.watchesClosed).hasValue(1);

    // The next pick loads the query again; answer it from another thread, as the agent would.
    Thread agent = new Thread(() -> {
      Await.until("the second watch", () -> backend.watchesStarted.get() == 2 && backend.listeners.size() == 1);
      backend.push(three.subList(2, 3));
    });
    agent.start();
    assertThat(web.next()).isEqualTo(three.get(2));
    assertThat(discovery.watchedQueries()).isEqualTo(1);
  }

  @Test
  void aPickFromAHandleAllocatesNothing() {
    loaded(1, three);
    ServiceHandle web = selector.forService("web");
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int i = 0; i < 200_000; i++) { // warm up, so that the JIT compiles the pick
      sink += web.next().port();
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100_000; i++) {
      sink += web.next().port();
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(sink).isPositive();
    // The measuring itself may allocate a little; a per-pick allocation would show as 1.6 MB or more.
    assertThat(allocated).as("bytes allocated by 100,000 picks").isLessThan(10_000);
  }
}
