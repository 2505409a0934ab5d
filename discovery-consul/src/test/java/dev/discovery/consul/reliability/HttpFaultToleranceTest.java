package dev.discovery.consul.reliability;

import static dev.discovery.consul.reliability.Probe.await;
import static dev.discovery.consul.reliability.Probe.hosts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.FakeTicker;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.Subscription;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.Registration;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.http.ConsulHttpBuilder;
import dev.discovery.consul.reliability.Probe.Resources;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One test per Consul agent fault, injected with the testkit, against the HTTP backend with its cache. In
 * each: lookups keep answering the last good answer within the staleness bound (never throw, never empty),
 * requests to the agent stay bounded by the back-off while the fault lasts (no spinning), the watch recovers
 * within one back-off period once the fault ends (its maximum back-off, plus whatever request was still held
 * by the fault, plus a round trip given a generous {@link #ROUND_TRIP_MARGIN} so a loaded machine cannot make it
 * flake), and closing the discovery leaves no thread or connection behind.
 */
class HttpFaultToleranceTest {
  private static final String NAME = "web";
  private static final ServiceQuery QUERY = ServiceQuery.of(NAME);
  private static final String PATH = "/v1/health/service/" + NAME;
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofMillis(400);
  private static final Duration MIN_INTERVAL = Duration.ofMillis(50);
  private static final Duration MAX_STALENESS = Duration.ofMinutes(2);
  private static final Duration WINDOW = Duration.ofMillis(1500);
  /** Failures after which the back-off has doubled up to its maximum: min * 2^(n-1) >= max. */
  private static final int FAILURES_TO_MAX_BACKOFF = failuresToReach(MIN_BACKOFF, MAX_BACKOFF);
  /** Allowance for the one round trip of recovery; far above it on an idle machine, so it cannot flake. */
  private static final Duration ROUND_TRIP_MARGIN = Duration.ofSeconds(5);
  /** The JVM's and OkHttp's own shared threads (TaskRunner) may come and go; ours are counted by name. */
  private static final int JVM_THREAD_SLACK = 8;

  private ConsulTestAgent kit;
  private Resources baseline;
  private CachingDiscovery discovery;

  @BeforeEach
  void start() {
    kit = ConsulTestAgent.builder().start();
    baseline = Resources.now();
  }

  @AfterEach
  void stop() {
    if (discovery != null) {
      discovery.close();
    }
    kit.close();
  }

  private ConsulHttpBuilder http() {
    return ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(kit.httpUri())
        .waitTime(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(1))
        .errorBackoff(MIN_BACKOFF, MAX_BACKOFF).minRequestInterval(MIN_INTERVAL).cache(c -> c.maxStaleness(MAX_STALENESS));
  }

  private static void register(ConsulTestAgent agent, String id, String address) {
    agent.registerService("{\"Name\":\"" + NAME + "\",\"ID\":\"" + id + "\",\"Address\":\"" + address
        + "\",\"Port\":8080}");
  }

  /** One instance known to the cache, and the blocking query for the next change waiting at the agent. */
  private void watching() {
    register(kit, "web-1", "10.0.0.1");
    discovery = http().build();
    await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")), "the first answer");
    await(() -> kit.requestCount(PATH) >= 2, "the blocking query to be waiting at the agent");
  }

  private static int failuresToReach(Duration min, Duration max) {
    int n = 1;
    while (min.toNanos() << (n - 1) < max.toNanos()) {
      n++;
    }
    return n;
  }

  /**
   * Waits until the watch has failed often enough during the fault for its back-off to have climbed to
   * {@link #MAX_BACKOFF}, so that the recovery measured next is the slowest case. Counts two requests per
   * failure: OkHttp may retry a dropped request once on a new connection.
   */
  private static void backoffAtMaximum(java.util.function.LongSupplier requestsSinceFaultStarted, String fault) {
    await(() -> requestsSinceFaultStarted.getAsLong() >= 2L * FAILURES_TO_MAX_BACKOFF, Duration.ofSeconds(30),
        "the watch's back-off to reach " + MAX_BACKOFF.toMillis() + " ms during " + fault);
  }

  /**
   * Waits, up to one back-off period after the fault ended, for {@code recovered}: the watch's next attempt
   * comes at most {@link #MAX_BACKOFF} later, after a request the fault still held ({@code heldByFault}) has
   * ended, and takes one round trip.
   */
  private static void recoveredWithinOneBackoff(long faultEndedNanos, Duration heldByFault,
      java.util.function.BooleanSupplier recovered, String what) {
    Duration bound = MAX_BACKOFF.plus(heldByFault).plus(ROUND_TRIP_MARGIN);
    long left = faultEndedNanos + bound.toNanos() - System.nanoTime();
    await(recovered, Duration.ofNanos(Math.max(0, left)),
        what + " within one back-off period (" + bound.toMillis() + " ms) after the fault ended");
  }

  /** The most requests a watch may make in {@code nanos} while every request fails: one per minimum back-off. */
  private static long backoffBound(long nanos) {
    return 3 + nanos / MIN_BACKOFF.toNanos();
  }

  private void servesTheCacheWithoutSpinning(String fault) {
    servesTheCacheWithoutSpinning(fault, true);
  }

  /**
   * The fault is on and noticed: lookups keep answering the cached instance and requests stay bounded; with
   * {@code untilMaxBackoff}, the fault lasts until the back-off has reached its maximum.
   */
  private void servesTheCacheWithoutSpinning(String fault, boolean untilMaxBackoff) {
    long atStart = kit.requestCount(PATH);
    await(() -> discovery.snapshot(QUERY).stale(), fault + " to be noticed by the watch");
    // The timed interval encloses both counts, so a pause between a count and the clock cannot add requests
    // to an interval measured shorter than the one they were counted in.
    long t0 = System.nanoTime();
    long before = kit.requestCount(PATH);
    long lookups = Probe.lookupsKeepAnswering(discovery, QUERY, List.of("10.0.0.1"), WINDOW, MAX_STALENESS);
    long requests = kit.requestCount(PATH) - before;
    long elapsed = System.nanoTime() - t0;
    assertThat(lookups).isPositive();
    assertThat(requests).as("requests to the agent during %d ms of %s", elapsed / 1_000_000, fault)
        .isLessThanOrEqualTo(backoffBound(elapsed));
    assertThat(discovery.snapshot(QUERY).stale()).as("still stale while " + fault + " lasts").isTrue();
    if (untilMaxBackoff) {
      backoffAtMaximum(() -> kit.requestCount(PATH) - atStart, fault);
    }
  }

  /**
   * After the fault: a new instance shows up and the snapshot is fresh within one back-off period of
   * {@code faultEndedNanos}, and closing releases everything.
   */
  private void recoversAndReleases(ConsulTestAgent agent, long faultEndedNanos, Duration heldByFault) {
    register(agent, "web-2", "10.0.0.2");
    recoveredWithinOneBackoff(faultEndedNanos, heldByFault,
        () -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1", "10.0.0.2"))
            && !discovery.snapshot(QUERY).stale(),
        "the change made after the fault to be seen and the snapshot fresh");
    assertThat(Probe.libraryThreads()).as("the discovery's threads, seen before close")
        .hasSizeGreaterThan(baseline.ourThreads().size());
    List<String> open = Probe.connectionsTo(agent.httpPort());
    if (open != null) {
      assertThat(open).as("the watch's connection to the agent, seen before close").isNotEmpty();
    }
    discovery.close();
    discovery = null;
    baseline.awaitReleased(JVM_THREAD_SLACK, kit.httpPort());
  }

  @Test
  void refusedConnectionsWhileTheAgentIsStopped() {
    // Count attempts on the client side: a stopped agent cannot count what it refuses.
    AtomicLong attempts = new AtomicLong();
    OkHttpClient counting = new OkHttpClient.Builder()
        .addInterceptor(chain -> {
          attempts.incrementAndGet();
          return chain.proceed(chain.request());
        }).build();
    register(kit, "web-1", "10.0.0.1");
    discovery = http().httpClient(counting).build();
    await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")), "the first answer");
    int port = kit.httpPort();

    kit.close(); // connections are now refused
    await(() -> discovery.snapshot(QUERY).stale(), "the refused connections to be noticed");
    long t0 = System.nanoTime(); // the timed interval encloses both counts
    long before = attempts.get();
    Probe.lookupsKeepAnswering(discovery, QUERY, List.of("10.0.0.1"), WINDOW, MAX_STALENESS);
    long made = attempts.get() - before;
    long elapsed = System.nanoTime() - t0;
    assertThat(made).as("connection attempts during %d ms of refusal", elapsed / 1_000_000)
        .isLessThanOrEqualTo(backoffBound(elapsed));
    assertThat(discovery.snapshot(QUERY).lastError()).contains("cannot reach consul agent");
    backoffAtMaximum(() -> attempts.get() - before, "refused connections");

    kit = ConsulTestAgent.builder().httpPort(port).start(); // the agent is back, on the same port
    long faultEnded = System.nanoTime();
    register(kit, "web-1", "10.0.0.1");
    recoversAndReleasesWith(counting, faultEnded);
  }

  private void recoversAndReleasesWith(OkHttpClient shared, long faultEndedNanos) {
    register(kit, "web-2", "10.0.0.2");
    recoveredWithinOneBackoff(faultEndedNanos, Duration.ZERO,
        () -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1", "10.0.0.2")),
        "the change made after the fault to be seen");
    discovery.close();
    discovery = null;
    shared.connectionPool().evictAll(); // the caller's pool is the caller's to empty
    baseline.awaitReleased(JVM_THREAD_SLACK, kit.httpPort());
  }

  @Test
  void connectionDroppedMidBlockingQuery() {
    watching();
    kit.dropConnections(true); // cuts the waiting blocking query and every later one
    servesTheCacheWithoutSpinning("dropped connections");
    kit.dropConnections(false);
    recoversAndReleases(kit, System.nanoTime(), Duration.ZERO);
  }

  @Test
  void aResponseThatNeverComesTimesOut() {
    watching();
    // Longer than the blocking query's whole call time-out (wait 1 s + 1/16 + request 1 s + connect 1 s).
    kit.delayResponses(Duration.ofSeconds(5));
    // Each failure here is a whole call time-out (about 2 s): not worth waiting for the back-off to climb.
    servesTheCacheWithoutSpinning("responses that never come", false);
    assertThat(discovery.snapshot(QUERY).lastError()).contains("cannot reach consul agent");
    kit.delayResponses(Duration.ZERO);
    // A request the agent was still sitting on when the delay ended runs into its time-out first.
    recoversAndReleases(kit, System.nanoTime(), Duration.ofSeconds(5));
  }

  @Test
  void noClusterLeader500() {
    watching();
    kit.failNext(Integer.MAX_VALUE, 500, "No cluster leader");
    kit.setServiceHealth("web-1", "passing"); // wakes the blocking query so the next request meets the fault
    servesTheCacheWithoutSpinning("500 No cluster leader");
    assertThat(discovery.snapshot(QUERY).lastError()).contains("HTTP 500").contains("No cluster leader");
    kit.failNext(0, 500, "");
    recoversAndReleases(kit, System.nanoTime(), Duration.ZERO);
  }

  @Test
  void rateLimited429() {
    watching();
    kit.failNext(Integer.MAX_VALUE, 429, "rate limit exceeded");
    kit.setServiceHealth("web-1", "passing");
    servesTheCacheWithoutSpinning("429 rate limiting");
    assertThat(discovery.snapshot(QUERY).lastError()).contains("429");
    kit.failNext(0, 429, "");
    recoversAndReleases(kit, System.nanoTime(), Duration.ZERO);
  }

  @Test
  void indexMovingBackwardsRepeatedly() {
    watching();
    for (int i = 0; i < 20; i++) {
      kit.registerService("{\"Name\":\"filler\",\"ID\":\"filler-" + i + "\",\"Port\":1}");
    }
    ScheduledExecutorService restores = Executors.newSingleThreadScheduledExecutor();
    try {
      // A snapshot restore every 100 ms: the index keeps falling below what the client holds.
      restores.scheduleWithFixedDelay(() -> kit.resetIndex(1), 0, 100, TimeUnit.MILLISECONDS);
      long t0 = System.nanoTime(); // the timed interval encloses both counts
      long before = kit.requestCount(PATH);
      Probe.lookupsKeepAnswering(discovery, QUERY, List.of("10.0.0.1"), WINDOW, MAX_STALENESS);
      long requests = kit.requestCount(PATH) - before;
      long elapsed = System.nanoTime() - t0;
      // Each reset may cost one extra request with index 0; never more than the minimum interval allows.
      assertThat(requests).as("requests while the index kept moving backwards")
          .isLessThanOrEqualTo(3 + elapsed / MIN_INTERVAL.toNanos());
      register(kit, "web-2", "10.0.0.2"); // a change while restores continue
      await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1", "10.0.0.2")),
          "a change made while the index kept moving backwards");
    } finally {
      restores.shutdownNow();
    }
    kit.deregisterService(kit.nodeName(), "web-2");
    await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")), "the removal after the resets");
    recoversAndReleases(kit, System.nanoTime(), Duration.ZERO);
  }

  @Test
  void agentRestartedLosesRegistrationsAndTheManagedRegistrationRestoresThem() {
    ConsulAgent agent = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(kit.httpUri())
        .timeout(Duration.ofSeconds(2)).build();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    AtomicLong emptyWhileKept = new AtomicLong();
    AtomicBoolean keptState = new AtomicBoolean(true);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicReference<List<ServiceInstance>> seen = new AtomicReference<>(List.of());
    Thread looker = null;
    // TTL 3 s (heartbeats every second): a restart plus a late heartbeat on a slow machine stays well inside it,
    // so the check cannot lapse to critical and empty the answer while the agent keeps its state.
    try (Registration reg = agent.register(ServiceRegistration.builder(NAME).id("web-1").address("10.0.0.1")
        .port(8080).check(CheckDefinition.ttl(Duration.ofSeconds(3))).build())) {
      discovery = http().build();
      Subscription sub = discovery.subscribe(QUERY, seen::set);
      await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")), "the first answer");
      looker = new Thread(() -> {
        while (running.get()) {
          try {
            if (discovery.instances(QUERY).isEmpty() && keptState.get()) {
              emptyWhileKept.incrementAndGet();
            }
          } catch (RuntimeException e) {
            errors.add(e);
          }
          Probe.pause(2);
        }
      }, "test-looker");
      looker.setDaemon(true);
      looker.start();

      // A restart that keeps the agent's data: the answer must never go empty.
      long beforeRestart = kit.requestCount(PATH);
      kit.restart(true);
      long restarted = System.nanoTime();
      await(() -> kit.requestCount(PATH) >= beforeRestart + 2, "the cut watch to ask the restarted agent");
      recoveredWithinOneBackoff(restarted, Duration.ZERO, () -> !discovery.snapshot(QUERY).stale(),
          "the watch to recover after a restart keeping state");

      // A restart that loses every registration: the agent truly has no instance until heartbeats restore it.
      long registersBefore = kit.requestCount("/v1/agent/service/register");
      keptState.set(false);
      kit.restart(false);
      await(() -> agent.services().stream().anyMatch(s -> s.id().equals("web-1")),
          "the managed registration to register the service again");
      await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")) && reg.healthy(),
          "discovery to see the restored instance passing");
      await(() -> hosts(seen.get()).equals(List.of("10.0.0.1")), "the subscriber to see it too");
      long registers = kit.requestCount("/v1/agent/service/register") - registersBefore;
      assertThat(registers).as("re-registrations after one restart (no re-registration storm)").isBetween(1L, 3L);
      running.set(false);
      looker.join(5_000);
      assertThat(errors).as("errors that reached the caller").isEmpty();
      assertThat(emptyWhileKept.get()).as("empty answers during the restart that kept state").isZero();
      sub.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      running.set(false);
      agent.close();
    }
    await(() -> discovery.instances(QUERY).isEmpty(), "the instance to go when its registration is closed");
    discovery.close();
    discovery = null;
    baseline.awaitReleased(JVM_THREAD_SLACK, kit.httpPort());
  }

  @Test
  void aSlowAgentIsWaitedForWithoutErrorsOrExtraRequests() {
    watching();
    Duration slow = Duration.ofMillis(1500); // within every time-out, so no request should fail
    kit.delayResponses(slow);
    long before = kit.requestCount(PATH);
    await(() -> kit.requestCount(PATH) >= before + 1, "a request to meet the slow agent");
    long t0 = System.nanoTime();
    long from = kit.requestCount(PATH);
    ConcurrentLinkedQueue<String> staleSeen = new ConcurrentLinkedQueue<>();
    register(kit, "web-2", "10.0.0.2");
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    // Every lookup answers at once from memory, while the change crawls through the slow agent.
    while (!hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1", "10.0.0.2"))) {
      assertThat(discovery.instances(QUERY)).isNotEmpty();
      if (discovery.snapshot(QUERY).stale()) {
        staleSeen.add(String.valueOf(discovery.snapshot(QUERY).lastError()));
      }
      assertThat(System.nanoTime()).as("the change to arrive through the slow agent").isLessThan(end);
      Probe.pause(5);
    }
    long requests = kit.requestCount(PATH) - from; // counted before the clock is read: within the interval
    long elapsed = System.nanoTime() - t0;
    assertThat(staleSeen).as("errors while the agent was slow but within time-outs").isEmpty();
    assertThat(requests).as("requests to a slow agent")
        .isLessThanOrEqualTo(2 + elapsed / slow.toNanos());
    kit.delayResponses(Duration.ZERO);
    long spedUp = System.nanoTime();
    kit.deregisterService(kit.nodeName(), "web-2");
    // The request the agent was holding when it sped up still takes its 1.5 s.
    recoveredWithinOneBackoff(spedUp, slow, () -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")),
        "a change after the agent sped up");
    recoversAndReleases(kit, System.nanoTime(), Duration.ZERO);
  }

  @Test
  void pastTheStalenessBoundLookupsFailClearlyThenRecover() {
    register(kit, "web-1", "10.0.0.1");
    // The bound is measured on a clock the test moves, so it is crossed at the exact nanosecond, not waited for.
    Duration bound = Duration.ofMillis(800);
    FakeTicker clock = new FakeTicker();
    discovery = http().cache(c -> c.maxStaleness(bound).ticker(clock)).build();
    await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")), "the first answer");
    int port = kit.httpPort();
    kit.close();
    await(() -> discovery.snapshot(QUERY).stale(), "the watch to fail against the stopped agent");
    // Up to the bound itself, lookups are still served from memory.
    clock.advance(bound);
    assertThat(hosts(discovery.instances(QUERY))).containsExactly("10.0.0.1");
    clock.advanceNanos(1);
    assertThatThrownBy(() -> discovery.instances(QUERY)).isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining(NAME);
    // The snapshot still shows the last good answer, marked stale, for status pages.
    assertThat(hosts(discovery.snapshot(QUERY).instances())).containsExactly("10.0.0.1");
    assertThat(discovery.snapshot(QUERY).stale()).isTrue();

    kit = ConsulTestAgent.builder().httpPort(port).start();
    long faultEnded = System.nanoTime();
    register(kit, "web-1", "10.0.0.1");
    recoveredWithinOneBackoff(faultEnded, Duration.ZERO, () -> {
      try {
        return hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1"));
      } catch (RegistryUnavailableException e) {
        return false; // until the watch's next retry reaches the agent again
      }
    }, "lookups to answer again once the agent is back");
    recoversAndReleases(kit, System.nanoTime(), Duration.ZERO);
  }
}
