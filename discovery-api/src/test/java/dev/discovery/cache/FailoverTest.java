package dev.discovery.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.FakeScheduler;
import dev.discovery.FakeTicker;
import dev.discovery.InvalidQueryException;
import dev.discovery.LogCapture;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Client-side datacenter failover in the cache, over a fake backend with one catalog per datacenter. */
class FailoverTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web").withFailover("dc2", "dc3");
  private final FakeTicker clock = new FakeTicker();
  private final FakeScheduler time = new FakeScheduler(clock);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  /** Answers per datacenter ("" = the query's own); an unknown datacenter fails with InvalidQueryException. */
  static final class Datacenters implements DiscoveryBackend {
    final boolean watching;
    final Map<String, List<ServiceInstance>> catalogs = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
    final Map<WatchListener, ServiceQuery> open = new ConcurrentHashMap<>();

    Datacenters(boolean watching) {
      this.watching = watching;
    }

    static String dc(ServiceQuery q) {
      return q.datacenter() == null ? "" : q.datacenter();
    }

    void set(String dc, int count) {
      List<ServiceInstance> list = new ArrayList<>();
      for (int i = 1; i <= count; i++) {
        list.add(ServiceInstance.of("web", "10." + (dc.isEmpty() ? 1 : dc.charAt(2) - '0') + ".0." + i, 80));
      }
      catalogs.put(dc, list);
      for (Map.Entry<WatchListener, ServiceQuery> e : open.entrySet()) {
        if (dc(e.getValue()).equals(dc)) {
          e.getKey().onAnswer(Answer.of(list));
        }
      }
    }

    int asked(String dc) {
      AtomicInteger n = asked.get(dc);
      return n == null ? 0 : n.get();
    }

    long watching(String dc) {
      return open.values().stream().filter(q -> dc(q).equals(dc)).count();
    }

    @Override
    public String describe() {
      return "fake-datacenters";
    }

    private Answer answer(ServiceQuery q) {
      asked.computeIfAbsent(dc(q), k -> new AtomicInteger()).incrementAndGet();
      List<ServiceInstance> list = catalogs.get(dc(q));
      if (list == null) {
        throw new InvalidQueryException("web", "fake", "no path to datacenter '" + dc(q) + "'", null);
      }
      return Answer.of(list);
    }

    @Override
    public CompletableFuture<Answer> fetch(ServiceQuery query) {
      try {
        return CompletableFuture.completedFuture(answer(query));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    @Override
    public boolean supportsWatch() {
      return watching;
    }

    @Override
    public Watch watch(ServiceQuery query, WatchListener listener) {
      assertThat(query.failover()).as("a backend is never asked to fail over").isEmpty();
      open.put(listener, query);
      try {
        listener.onAnswer(answer(query));
      } catch (RuntimeException e) {
        listener.onError(e);
      }
      return () -> open.remove(listener);
    }

    @Override
    public void close() {}
  }

  private CachingDiscovery discovery(Datacenters backend) {
    CachingDiscovery d = CachingDiscovery.builder(backend).ticker(clock).scheduler(time)
        .refreshInterval(Duration.ofSeconds(5)).errorBackoff(Duration.ofSeconds(1)).build();
    closeables.add(d);
    return d;
  }

  /** Runs what is due now on the fake scheduler: the failover opens and closes fallback watches there. */
  private void settle() {
    time.advance(Duration.ZERO);
  }

  /** A first lookup that may need a fallback's first answer, which comes only once the scheduler runs. */
  private List<ServiceInstance> load(CachingDiscovery discovery, ServiceQuery q) {
    CompletableFuture<List<ServiceInstance>> pending = discovery.instancesAsync(q);
    settle();
    return pending.join();
  }

  private static List<String> hosts(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::host).toList();
  }

  @Test
  void failsOverWhenTheOwnDatacenterEmptiesAndWatchesTheFallbackOnlyUntilItRecovers() {
    Datacenters dcs = new Datacenters(true);
    dcs.set("", 2);
    dcs.set("dc2", 1);
    dcs.set("dc3", 1);
    CachingDiscovery discovery = discovery(dcs);

    assertThat(hosts(discovery.instances(WEB))).containsExactly("10.1.0.1", "10.1.0.2");
    assertThat(discovery.snapshot(WEB).datacenter()).isNull();
    assertThat(dcs.watching("dc2")).isZero();

    dcs.set("", 0);
    settle();
    assertThat(hosts(discovery.instances(WEB))).containsExactly("10.2.0.1");
    assertThat(discovery.snapshot(WEB).datacenter()).isEqualTo("dc2");
    assertThat(dcs.watching("dc2")).isEqualTo(1);
    assertThat(dcs.watching("dc3")).as("a later fallback is not needed").isZero();

    dcs.set("", 1);
    settle();
    assertThat(hosts(discovery.instances(WEB))).containsExactly("10.1.0.1");
    assertThat(discovery.snapshot(WEB).datacenter()).isNull();
    assertThat(dcs.watching("dc2")).as("fail-back stops watching the fallback").isZero();
    assertThat(dcs.watching("")).isEqualTo(1);
  }

  @Test
  void minHealthyFailsOverBelowItAndServesTheFallbackWithTheMostWhenNoneHasEnough() {
    Datacenters dcs = new Datacenters(true);
    dcs.set("", 2);
    dcs.set("dc2", 1);
    dcs.set("dc3", 3);
    CachingDiscovery discovery = discovery(dcs);
    ServiceQuery q = WEB.withMinHealthy(3);

    assertThat(load(discovery, q)).hasSize(3);
    assertThat(discovery.snapshot(q).datacenter()).isEqualTo("dc3");
    dcs.set("dc3", 1);
    settle();
    assertThat(discovery.snapshot(q).datacenter()).as("the own datacenter has the most").isNull();
    assertThat(discovery.instances(q)).hasSize(2);
    assertThat(dcs.watching("dc2")).isEqualTo(1);
    assertThat(dcs.watching("dc3")).isEqualTo(1);
  }

  @Test
  void subscribersGetTheFailedOverListAndTheFailBack() {
    Datacenters dcs = new Datacenters(true);
    dcs.set("", 1);
    dcs.set("dc2", 2);
    CachingDiscovery discovery = discovery(dcs);
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    Subscription s = discovery.subscribe(WEB, list -> seen.add(hosts(list)));
    closeables.add(s::close);
    Await.until("the first list", () -> seen.size() == 1);
    dcs.set("", 0);
    settle();
    Await.until("the failed-over list", () -> seen.size() == 2);
    dcs.set("", 1);
    settle();
    Await.until("the fail-back", () -> seen.size() == 3);
    assertThat(seen).containsExactly(List.of("10.1.0.1"), List.of("10.2.0.1", "10.2.0.2"), List.of("10.1.0.1"));
  }

  @Test
  void anUnknownFallbackIsSkippedWithOneWarningNamingItAndRetriedOnlyAfterItsCoolDown() {
    Datacenters dcs = new Datacenters(true);
    dcs.set("", 0);
    dcs.set("dc3", 1);
    CachingDiscovery discovery = discovery(dcs); // dc2 unknown
    try (LogCapture logs = new LogCapture()) {
      assertThat(hosts(load(discovery, WEB))).containsExactly("10.3.0.1");
      assertThat(discovery.snapshot(WEB).datacenter()).isEqualTo("dc3");
      assertThat(dcs.asked("dc2")).isEqualTo(1);
      dcs.set("", 0); // the own datacenter answers again: a new choice, dc2 still cooling down
      settle();
      dcs.set("", 0);
      settle();
      assertThat(dcs.asked("dc2")).as("not asked again during its cool-down").isEqualTo(1);
      time.advance(FailoverBackend.COOLDOWN_CAP.minusNanos(1));
      assertThat(dcs.asked("dc2")).isEqualTo(1);
      time.advanceNanos(1);
      assertThat(dcs.asked("dc2")).as("asked again once the cool-down ends").isEqualTo(2);
      assertThat(discovery.snapshot(WEB).datacenter()).isEqualTo("dc3");
      assertThat(logs.at(Level.WARNING)).hasSize(1);
      assertThat(logs.at(Level.WARNING).get(0).getMessage()).contains("'dc2'", "no path to datacenter");
    }
  }

  @Test
  void aFallbackThatRecoversIsServedBeforeALaterOne() {
    Datacenters dcs = new Datacenters(true);
    dcs.set("", 0);
    dcs.set("dc2", 0);
    dcs.set("dc3", 1);
    CachingDiscovery discovery = discovery(dcs);
    assertThat(hosts(load(discovery, WEB))).containsExactly("10.3.0.1");
    assertThat(discovery.snapshot(WEB).datacenter()).isEqualTo("dc3");
    dcs.set("dc2", 1);
    settle();
    assertThat(discovery.snapshot(WEB).datacenter()).isEqualTo("dc2");
    assertThat(dcs.watching("dc3")).isZero();
  }

  @Test
  void aBackendThatCannotWatchAsksTheFallbacksOnlyWhileNeeded() {
    Datacenters dcs = new Datacenters(false);
    dcs.set("", 1);
    dcs.set("dc2", 1);
    dcs.set("dc3", 1);
    CachingDiscovery discovery = discovery(dcs);
    assertThat(discovery.snapshot(WEB).datacenter()).isNull();
    dcs.set("", 0);
    time.advance(Duration.ofSeconds(5));
    ServiceSnapshot failed = discovery.snapshot(WEB);
    assertThat(failed.datacenter()).isEqualTo("dc2");
    assertThat(hosts(failed.instances())).containsExactly("10.2.0.1");
    assertThat(dcs.asked("dc2")).isEqualTo(1);
    assertThat(dcs.asked("dc3")).isZero();
    dcs.set("", 1);
    time.advance(Duration.ofSeconds(5));
    assertThat(discovery.snapshot(WEB).datacenter()).isNull();
    time.advance(Duration.ofSeconds(5));
    assertThat(dcs.asked("dc2")).as("not asked after the fail-back").isEqualTo(1);
  }
}
