package dev.discovery.cache;

import static dev.discovery.cache.FakeBackend.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.FakeScheduler;
import dev.discovery.FakeTicker;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.spi.Answer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CachingDiscoveryTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  /**
   * The idle time of the tests on a fake clock: long in real time, so that the cache's own sweeper (every
   * quarter of it, at most 30 s) never runs during a test and each sweep is the test's own.
   */
  private static final Duration IDLE = Duration.ofMinutes(15);
  private final List<CachingDiscovery> opened = new ArrayList<>();
  private final FakeTicker clock = new FakeTicker();
  /** Runs refreshes, back-off retries and idle sweeps when the test moves {@link #clock}. */
  private final FakeScheduler time = new FakeScheduler(clock);

  /** {@code builder} with every clock and timer of the cache on the test's fake time. */
  private CachingDiscovery.Builder onFakeTime(CachingDiscovery.Builder builder) {
    return builder.ticker(clock).scheduler(time);
  }

  /** An observer that records every retry delay the cache reports. */
  private static dev.discovery.spi.DiscoveryObserver retryDelays(List<Duration> delays) {
    return new dev.discovery.spi.DiscoveryObserver() {
      @Override
      public QueryObserver queryStarted(QueryState state) {
        return new QueryObserver() {
          @Override
          public void retryDelay(Duration delay) {
            delays.add(delay);
          }
        };
      }
    };
  }

  private CachingDiscovery open(CachingDiscovery.Builder builder) {
    CachingDiscovery d = builder.build();
    opened.add(d);
    return d;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(CachingDiscovery::close);
  }

  @Test
  void afterTheFirstLoadLookupsDoNoIo() {
    FakeBackend backend = new FakeBackend(false);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).refreshInterval(Duration.ofHours(1)));

    List<ServiceInstance> first = discovery.instances(WEB);
    for (int i = 0; i < 10_000; i++) {
      assertThat(discovery.instances(WEB)).isSameAs(first);
    }
    assertThat(backend.fetches).hasValue(1);
  }

  @Test
  void afterTheFirstLoadLookupsDoNotAllocate() {
    FakeBackend backend = new FakeBackend(false);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).refreshInterval(Duration.ofHours(1)));
    ServiceQuery query = ServiceQuery.of("web").withTags("v2");
    backend.answer(List.of(new ServiceInstance("a", "web", "10.0.0.1", 80, java.util.Set.of("v2"),
        java.util.Map.of(), 1, dev.discovery.Health.PASSING)));
    discovery.instances(query);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    for (int i = 0; i < 200_000; i++) { // warm up so that the measured loop runs compiled code
      discovery.instances(query);
    }
    long before = threads.getThreadAllocatedBytes(self);
    for (int i = 0; i < 100_000; i++) {
      discovery.instances(query);
    }
    long allocated = threads.getThreadAllocatedBytes(self) - before;
    // 100k lookups: anything per call would be megabytes. Allow a little for the JVM's own bookkeeping.
    assertThat(allocated).as("bytes allocated by 100,000 lookups").isLessThan(16 * 1024);
  }

  @Test
  void concurrentFirstLookupsShareOneBackendFetch() throws Exception {
    FakeBackend backend = new FakeBackend(false);
    CompletableFuture<Answer> slow = new CompletableFuture<>();
    backend.responder = q -> slow;
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).refreshInterval(Duration.ofHours(1)));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<ServiceInstance>>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return discovery.instances(WEB);
        }));
      }
      start.countDown();
      Await.until("a fetch to start", () -> backend.fetches.get() > 0);
      slow.complete(Answer.of(List.of(instance("web", 1), instance("web", 2))));
      for (Future<List<ServiceInstance>> r : results) {
        assertThat(r.get(10, TimeUnit.SECONDS)).hasSize(2);
      }
      assertThat(backend.fetches).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void watchingBackendsPushChangesIntoTheCacheWithoutPolling() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).refreshInterval(Duration.ofMillis(10)));
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(List.of(instance("web", 1)));
    assertThat(first.join()).containsExactly(instance("web", 1));

    backend.push(List.of(instance("web", 1), instance("web", 2)));
    assertThat(discovery.instances(WEB)).hasSize(2);
    assertThat(backend.fetches).as("a watching backend is never polled").hasValue(0);
    assertThat(backend.watchesStarted).hasValue(1);
  }

  @Test
  void otherBackendsAreRefreshedOnTheInterval() {
    FakeBackend backend = new FakeBackend(false);
    CachingDiscovery discovery = open(onFakeTime(CachingDiscovery.builder(backend))
        .refreshInterval(Duration.ofSeconds(5)));
    assertThat(discovery.instances(WEB)).containsExactly(instance("web", 1));
    backend.answer(List.of(instance("web", 7)));
    time.advance(Duration.ofSeconds(5).minusNanos(1));
    assertThat(backend.fetches).hasValue(1);
    assertThat(discovery.instances(WEB)).containsExactly(instance("web", 1));
    time.advanceNanos(1);
    assertThat(backend.fetches).hasValue(2);
    assertThat(discovery.instances(WEB)).containsExactly(instance("web", 7));
    time.advance(Duration.ofSeconds(5));
    assertThat(backend.fetches).as("and again an interval later").hasValue(3);
  }

  @Test
  void aPositiveTtlFromTheRegistryOverridesTheInterval() {
    FakeBackend backend = new FakeBackend(false);
    backend.responder = q -> CompletableFuture.completedFuture(
        new Answer(List.of(instance("web", 1)), Duration.ofHours(1)));
    CachingDiscovery discovery = open(onFakeTime(CachingDiscovery.builder(backend))
        .refreshInterval(Duration.ofMillis(5)).idleTimeout(Duration.ofHours(2)));
    discovery.instances(WEB);
    backend.answer(List.of(instance("web", 2)));
    time.advance(Duration.ofHours(1).minusNanos(1)); // 720,000 intervals of 5 ms: not one fetch
    assertThat(backend.fetches).hasValue(1);
    assertThat(discovery.instances(WEB)).containsExactly(instance("web", 1));
    time.advanceNanos(1);
    assertThat(backend.fetches).hasValue(2);
    assertThat(discovery.instances(WEB)).containsExactly(instance("web", 2));
  }

  @Test
  void aFailedRefreshKeepsTheLastGoodAnswerUntilTheMaximumStaleness() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).ticker(clock)
        .maxStaleness(Duration.ofSeconds(10)));
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(List.of(instance("web", 1)));
    first.join();

    clock.advance(Duration.ofSeconds(4));
    backend.pushError(new IOException("connection refused"));
    assertThat(discovery.instances(WEB)).as("stale-if-error").containsExactly(instance("web", 1));
    ServiceSnapshot snapshot = discovery.snapshot(WEB);
    assertThat(snapshot.stale()).isTrue();
    assertThat(snapshot.lastError()).contains("connection refused");
    assertThat(snapshot.age()).as("age counts from the last good answer, not the failure")
        .isEqualTo(Duration.ofSeconds(4));

    clock.advance(Duration.ofSeconds(6));
    assertThat(discovery.instances(WEB)).as("exactly the maximum staleness old: still served")
        .containsExactly(instance("web", 1));
    clock.advanceNanos(1);
    assertThatThrownBy(() -> discovery.instances(WEB))
        .as("one nanosecond beyond the maximum staleness")
        .isInstanceOfSatisfying(RegistryUnavailableException.class, e -> {
          assertThat(e.service()).isEqualTo("web");
          assertThat(e.backend()).isEqualTo("fake-backend");
          assertThat(e.getCause()).hasMessage("connection refused");
          assertThat(e.staleness()).isEqualTo(Duration.ofSeconds(10).plusNanos(1));
          assertThat(e.getMessage()).contains("'web'", "fake-backend", "connection refused", "ms old");
        });

    backend.push(List.of(instance("web", 2)));
    assertThat(discovery.instances(WEB)).as("recovered").containsExactly(instance("web", 2));
    assertThat(discovery.snapshot(WEB).stale()).isFalse();
    assertThat(discovery.snapshot(WEB).age()).isEqualTo(Duration.ZERO);
  }

  @Test
  void aWatchingBackendThatKeepsAnsweringNeverGrowsStale() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).ticker(clock)
        .maxStaleness(Duration.ofSeconds(10)));
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(List.of(instance("web", 1)));
    first.join();
    for (int i = 0; i < 5; i++) { // an unchanged answer still confirms the cached one
      clock.advance(Duration.ofSeconds(9));
      backend.push(List.of(instance("web", 1)));
    }
    backend.pushError(new IOException("connection refused"));
    clock.advance(Duration.ofSeconds(10));
    assertThat(discovery.instances(WEB)).containsExactly(instance("web", 1));
  }

  @Test
  void aFailedIntervalRefreshNeverEmptiesTheCacheAndIsRetriedWithExponentialBackOff() {
    List<Duration> delays = new CopyOnWriteArrayList<>();
    FakeBackend backend = new FakeBackend(false);
    CachingDiscovery discovery = open(onFakeTime(CachingDiscovery.builder(backend))
        .refreshInterval(Duration.ofSeconds(5)).errorBackoff(Duration.ofMillis(500))
        .observer(retryDelays(delays)));
    discovery.instances(WEB);
    backend.fail(new IOException("SERVFAIL"));
    time.advance(Duration.ofSeconds(5)); // the interval refresh, which fails
    assertThat(backend.fetches).hasValue(2);

    // Each failure doubles the delay from 500 ms up to the refresh interval, jittered within its upper half.
    List<Duration> bounds = List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
    for (int i = 0; i < bounds.size(); i++) {
      Duration delay = delays.get(i);
      assertThat(delay).as("delay after failure %d", i + 1)
          .isBetween(bounds.get(i).dividedBy(2), bounds.get(i));
      int fetches = backend.fetches.get();
      time.advance(delay.minusNanos(1));
      assertThat(backend.fetches).as("a nanosecond before the retry").hasValue(fetches);
      time.advanceNanos(1);
      assertThat(backend.fetches).as("the retry, on time").hasValue(fetches + 1);
      assertThat(discovery.instances(WEB)).as("never emptied").containsExactly(instance("web", 1));
      assertThat(discovery.snapshot(WEB).stale()).isTrue();
    }

    backend.answer(List.of(instance("web", 3)));
    time.advance(delays.get(bounds.size()));
    assertThat(discovery.instances(WEB)).as("recovered").containsExactly(instance("web", 3));
    assertThat(delays.get(delays.size() - 1)).as("the retry delay cleared").isZero();
    int fetches = backend.fetches.get();
    time.advance(Duration.ofSeconds(5));
    assertThat(backend.fetches).as("back on the interval").hasValue(fetches + 1);
  }

  @Test
  void theObserverHearsOfAnAnswerBeforeTheCacheShowsIt() {
    // Metrics read gauges without a lock: they must never show a fresh cache that still waits to retry, or
    // new instances whose change is not counted yet.
    List<String> seen = new CopyOnWriteArrayList<>();
    dev.discovery.spi.DiscoveryObserver observer = new dev.discovery.spi.DiscoveryObserver() {
      @Override
      public QueryObserver queryStarted(QueryState state) {
        return new QueryObserver() {
          @Override
          public void retryDelay(Duration delay) {
            seen.add(delay + (state.stale() ? " while stale" : " while fresh"));
          }

          @Override
          public void refreshed(boolean changed) {
            seen.add((changed ? "changed" : "answered") + " while the cache holds " + state.instances());
          }
        };
      }
    };
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).observer(observer));
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(List.of(instance("web", 1)));
    first.join();

    backend.pushError(new IOException("connection reset"));
    backend.listeners.get(0).onBackoff(Duration.ofMillis(50));
    backend.push(List.of(instance("web", 2), instance("web", 3)));

    assertThat(seen).containsExactly("answered while the cache holds 0", // the first answer
        "PT0.05S while stale", "changed while the cache holds 1", "PT0S while stale");
    assertThat(discovery.snapshot(WEB).stale()).isFalse();
  }

  @Test
  void anAnswerThatFailsValidationNeverReplacesAGoodOne() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend));
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(List.of(instance("web", 1)));
    first.join();

    backend.push(List.of(instance("db", 2))); // another service's instance
    backend.push(List.of(instance("web", 3), instance("web", 3))); // the same id twice
    assertThat(discovery.instances(WEB)).containsExactly(instance("web", 1));
    assertThat(discovery.snapshot(WEB).lastError()).contains("appears twice");
  }

  @Test
  void aQueryThatNeverLoadedFailsWithRegistryUnavailable() {
    FakeBackend backend = new FakeBackend(false);
    backend.fail(new IOException("connection refused"));
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).refreshInterval(Duration.ofHours(1)));
    assertThatThrownBy(() -> discovery.instances(WEB))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("'web'").hasMessageContaining("no answer was ever received")
        .satisfies(e -> assertThat(((RegistryUnavailableException) e).staleness()).isNull());
  }

  @Test
  void aQueryTheRegistryRejectedSurfacesAsItselfNotAsUnavailable() {
    FakeBackend backend = new FakeBackend(false);
    backend.fail(new dev.discovery.InvalidQueryException("web", "fake-backend", "token refused", null));
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).refreshInterval(Duration.ofHours(1)));
    assertThatThrownBy(() -> discovery.instances(WEB))
        .isInstanceOf(dev.discovery.InvalidQueryException.class).hasMessage("token refused");
    assertThat(discovery.instancesAsync(WEB)).failsWithin(Duration.ofSeconds(5))
        .withThrowableThat().havingCause().isInstanceOf(dev.discovery.InvalidQueryException.class);
  }

  @Test
  void theFirstLoadIsBoundedByTheLoadTimeout() {
    FakeBackend backend = new FakeBackend(false);
    backend.responder = q -> new CompletableFuture<>(); // never answers
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).loadTimeout(Duration.ofMillis(50)));
    assertThatThrownBy(() -> discovery.instances(WEB))
        .isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("load time-out");
  }

  @Test
  void idleIntervalQueriesStopBeingRefreshedWhileUsedOnesKeepGoing() {
    FakeBackend backend = new FakeBackend(false);
    // The cache's own sweeper runs on the fake time too, every 30 s, besides the sweeps of watchedQueries().
    CachingDiscovery discovery = open(onFakeTime(CachingDiscovery.builder(backend))
        .idleTimeout(IDLE).refreshInterval(Duration.ofMinutes(1)));
    ServiceQuery api = ServiceQuery.of("api");
    discovery.instances(WEB);
    discovery.instances(api);
    assertThat(discovery.watchedQueries()).isEqualTo(2);
    // 'api' is looked up before each check below, so it stays in use; 'web' is never looked up again.
    time.advance(IDLE);
    assertThat(backend.fetches).as("both refreshed every minute meanwhile").hasValue(2 + 2 * 15);
    discovery.instances(api);
    assertThat(discovery.watchedQueries()).as("'web' idle for exactly the idle time: kept").isEqualTo(2);
    time.advanceNanos(1);
    discovery.instances(api);
    assertThat(discovery.watchedQueries()).as("'web' idle a nanosecond longer: forgotten").isEqualTo(1);
    int fetchesNow = backend.fetches.get();
    time.advance(Duration.ofMinutes(3));
    assertThat(backend.fetches).as("only the used query is refreshed").hasValue(fetchesNow + 3);
    discovery.instances(api);
    assertThat(discovery.watchedQueries()).as("'api' is still kept fresh").isEqualTo(1);
    // Looking 'web' up again loads it anew.
    assertThat(discovery.instances(WEB)).isNotNull();
    assertThat(discovery.watchedQueries()).isEqualTo(2);
  }

  @Test
  void idleQueriesStopBeingWatched() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).ticker(clock).idleTimeout(IDLE));
    discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.watchesStarted.get() == 1);
    assertThat(discovery.watchedQueries()).isEqualTo(1);
    clock.advance(IDLE);
    assertThat(discovery.watchedQueries()).isEqualTo(1);
    assertThat(backend.watchesClosed).hasValue(0);
    clock.advanceNanos(1);
    assertThat(discovery.watchedQueries()).isZero();
    assertThat(backend.watchesClosed).hasValue(1);
  }

  @Test
  void withForgetOnLastUnsubscribeAQueryStopsBeingWatchedWhenItsLastSubscriberLeaves() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).ticker(clock).idleTimeout(IDLE)
        .forgetOnLastUnsubscribe(true));
    ServiceQuery api = ServiceQuery.of("api");
    ServiceQuery lookedUp = ServiceQuery.of("looked-up");
    Subscription web1 = discovery.subscribe(WEB, list -> {});
    Subscription web2 = discovery.subscribe(WEB, list -> {});
    Subscription apiSubscription = discovery.subscribe(api, list -> {});
    discovery.instancesAsync(lookedUp);
    Await.until("three watches to start", () -> backend.watchesStarted.get() == 3);
    assertThat(discovery.watchedQueries()).isEqualTo(3);

    web1.close();
    assertThat(discovery.watchedQueries()).as("'web' still has a subscriber").isEqualTo(3);
    assertThat(backend.watchesClosed).hasValue(0);

    web2.close(); // no idle time passes: the watch ends with the last subscriber
    assertThat(backend.watchesClosed).hasValue(1);
    assertThat(discovery.watchedQueries()).as("'api' and the looked-up query stay").isEqualTo(2);
    web2.close(); // closing twice forgets nothing more
    assertThat(discovery.watchedQueries()).isEqualTo(2);

    // Subscribing again watches the query afresh and hears its answers.
    List<List<ServiceInstance>> seen = new CopyOnWriteArrayList<>();
    Subscription again = discovery.subscribe(WEB, seen::add);
    Await.until("a new watch of 'web'", () -> backend.watchesStarted.get() == 4);
    backend.push(List.of(instance("web", 7)));
    Await.until("the new subscriber to hear the answer", () -> seen.contains(List.of(instance("web", 7))));
    assertThat(discovery.watchedQueries()).isEqualTo(3);

    again.close();
    apiSubscription.close();
    assertThat(backend.watchesClosed).hasValue(3);
    assertThat(discovery.watchedQueries()).as("a query only looked up goes idle as before").isEqualTo(1);
    clock.advance(IDLE);
    clock.advanceNanos(1);
    discovery.watchedQueries();
    assertThat(discovery.watchedQueries()).isZero();
  }

  @Test
  void withoutForgetOnLastUnsubscribeTheLastUnsubscribeStartsTheIdleTime() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).ticker(clock).idleTimeout(IDLE));
    discovery.subscribe(WEB, list -> {}).close();
    Await.until("the watch to start", () -> backend.watchesStarted.get() == 1);
    assertThat(discovery.watchedQueries()).isEqualTo(1);
    assertThat(backend.watchesClosed).hasValue(0);
  }

  @Test
  void subscribedQueriesAreNotIdleAndSubscribersGetEveryChangeInOrderOffTheCallersThread() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend).ticker(clock).idleTimeout(IDLE));
    List<List<ServiceInstance>> seen = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    Subscription subscription = discovery.subscribe(WEB, list -> {
      threads.add(Thread.currentThread());
      seen.add(list);
    });
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    List<List<ServiceInstance>> pushed = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      List<ServiceInstance> list = new ArrayList<>();
      for (int j = 1; j <= i % 5 + 1; j++) {
        list.add(instance("web", j * 10 + i));
      }
      pushed.add(List.copyOf(list));
      backend.push(list);
      backend.push(list); // an unchanged answer is not a change
    }
    Await.until("50 notifications", () -> seen.size() >= 50);
    assertThat(seen).containsExactlyElementsOf(pushed);
    assertThat(threads).doesNotContain(Thread.currentThread());

    // Many idle times without a lookup: a subscription must keep the watch alive.
    for (int i = 0; i < 3; i++) {
      discovery.watchedQueries();
      clock.advance(IDLE.multipliedBy(2));
    }
    assertThat(discovery.watchedQueries()).isEqualTo(1);
    assertThat(backend.watchesClosed).hasValue(0);

    subscription.close(); // the idle time starts afresh now
    backend.push(List.of(instance("web", 99)));
    assertThat(discovery.watchedQueries()).isEqualTo(1);
    clock.advance(IDLE);
    assertThat(discovery.watchedQueries()).isEqualTo(1);
    clock.advanceNanos(1);
    assertThat(discovery.watchedQueries()).isZero();
    assertThat(backend.watchesClosed).hasValue(1);
    assertThat(seen).hasSize(50);
  }

  @Test
  void aSubscriberThatThrowsDoesNotStopOthers() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = open(CachingDiscovery.builder(backend));
    List<List<ServiceInstance>> seen = new CopyOnWriteArrayList<>();
    discovery.subscribe(WEB, list -> {
      throw new IllegalStateException("boom");
    });
    discovery.subscribe(WEB, seen::add);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(List.of(instance("web", 1)));
    backend.push(List.of(instance("web", 2)));
    Await.until("both notifications", () -> seen.size() == 2);
  }

  @Test
  void closingStopsEveryWatchAndRefusesLookups() {
    FakeBackend backend = new FakeBackend(true);
    CachingDiscovery discovery = CachingDiscovery.builder(backend).build();
    discovery.instancesAsync(WEB);
    discovery.instancesAsync(ServiceQuery.of("db"));
    Await.until("two watches", () -> backend.watchesStarted.get() == 2);
    discovery.close();
    assertThat(backend.watchesClosed).hasValue(2);
    assertThatThrownBy(() -> discovery.instances(WEB)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void builderRejectsNonPositiveDurations() {
    FakeBackend backend = new FakeBackend(false);
    assertThatThrownBy(() -> CachingDiscovery.builder(backend).maxStaleness(Duration.ZERO))
        .hasMessageContaining("maxStaleness");
    assertThatThrownBy(() -> CachingDiscovery.builder(backend).refreshInterval(Duration.ofSeconds(-1)))
        .hasMessageContaining("refreshInterval");
  }
}
