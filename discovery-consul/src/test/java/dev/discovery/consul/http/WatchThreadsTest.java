package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What parked watches cost in threads: on Java 24 and later none (virtual threads), before that one pooled
 * platform thread per blocking query the agent is holding, and none once the discovery is closed.
 */
class WatchThreadsTest {
  /** Many queries on a loaded machine take longer to settle than the default wait. */
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int WATCHES = 40;

  /**
   * Platform threads running a call to {@code agent} (OkHttp names a thread after its call while it runs one).
   * Virtual threads are not listed by {@link Thread#getAllStackTraces()}, which is the point on Java 24+.
   */
  private static long busyCallThreads(ConsulTestAgent agent) {
    String busy = "OkHttp http://127.0.0.1:" + agent.httpPort() + "/";
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith(busy)).count();
  }

  /** Platform threads of the backends' call pools, busy or idle (idle ones wait for the next call). */
  private static long callThreads(ConsulTestAgent agent) {
    return busyCallThreads(agent) + Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.startsWith("consul-http-") && !n.equals("consul-http-watch")).count();
  }

  @Test
  void parkedBlockingQueriesHoldNoPlatformThreadOnModernJavaAndAtMostOneEachBefore() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      for (int i = 0; i < WATCHES; i++) {
        agent.registerService("{\"Name\":\"svc-" + i + "\",\"ID\":\"svc-" + i + "\",\"Address\":\"10.0.0.1\","
            + "\"Port\":8080}");
      }
      long before = callThreads(agent);
      CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).waitTime(Duration.ofMinutes(5)).build();
      try {
        for (int i = 0; i < WATCHES; i++) {
          assertThat(discovery.instances(ServiceQuery.of("svc-" + i))).hasSize(1);
        }
        // After its first answer each watch sends a blocking query, which the agent holds: nothing changes.
        for (int i = 0; i < WATCHES; i++) {
          String path = "/v1/health/service/svc-" + i;
          Await.until("the blocking query of svc-" + i, WAIT, () -> agent.requestCount(path) >= 2);
        }
        // A thread that has just handed its watch's next request on may still be finishing: wait for the steady
        // state, which a leak (two threads per watch) or a thread-per-watch design would never reach.
        long limit = CallThreads.virtual() ? 0 : WATCHES;
        Await.until("at most " + limit + " platform threads for " + WATCHES + " parked watches", WAIT,
            () -> busyCallThreads(agent) <= limit);
        if (!CallThreads.virtual()) {
          assertThat(busyCallThreads(agent)).as("Java 17-23: parked calls hold platform threads").isPositive();
        }
      } finally {
        discovery.close();
      }
      Await.until("the call threads to end after close", WAIT, () -> callThreads(agent) <= before);
    }
  }

  @Test
  void beyondTheWatchBudgetNoMorePlatformThreadsAreParkedThanItsSlots() throws Exception {
    int budget = 10; // 9 parked slots, 1 rotation lane
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      for (int i = 0; i < WATCHES; i++) {
        agent.registerService("{\"Name\":\"svc-" + i + "\",\"ID\":\"svc-" + i + "\",\"Address\":\"10.0.0.1\","
            + "\"Port\":8080}");
      }
      long before = callThreads(agent);
      // The rotation itself, without the change feed (which would let the rotating queries rest for minutes;
      // the next test counts the threads with it).
      CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).waitTime(Duration.ofMinutes(5)).watchBudget(budget).changeFeed(false).build();
      try {
        for (int i = 0; i < WATCHES; i++) {
          assertThat(discovery.instances(ServiceQuery.of("svc-" + i))).hasSize(1);
        }
        // The first nine hold blocking queries; the other 31 are read in turn on the one lane.
        for (int i = 0; i < BudgetLimit.slots(budget); i++) {
          String path = "/v1/health/service/svc-" + i;
          Await.until("the blocking query of svc-" + i, WAIT, () -> agent.requestCount(path) >= 2);
        }
        String rotated = "/v1/health/service/svc-" + (WATCHES - 1);
        Await.until("a rotation read of the last query", WAIT, () -> agent.requestCount(rotated) >= 3);
        long limit = CallThreads.virtual() ? 0 : budget;
        Await.until("at most " + limit + " platform threads for " + WATCHES + " watches in a budget of " + budget, WAIT,
            () -> busyCallThreads(agent) <= limit);
        for (int round = 0; round < 20; round++) { // sampled while the rotation runs: never above the budget
          assertThat(busyCallThreads(agent)).isLessThanOrEqualTo(limit + 1); // +1: a lane handing over its thread
          Thread.sleep(50);
        }
      } finally {
        discovery.close();
      }
      Await.until("the call threads to end after close", WAIT, () -> callThreads(agent) <= before);
    }
  }

  @Test
  void withTheChangeFeedTheParkedQueriesAndTheFeedHoldNoMorePlatformThreadsThanTheBudget() throws Exception {
    int budget = 10; // 9 slots: the feed's 2 and 7 parked queries; 1 rotation lane
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      for (int i = 0; i < WATCHES; i++) {
        agent.registerService("{\"Name\":\"svc-" + i + "\",\"ID\":\"svc-" + i + "\",\"Address\":\"10.0.0.1\","
            + "\"Port\":8080}");
      }
      long before = callThreads(agent);
      WatchBudget shared = WatchBudget.of(budget);
      CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).waitTime(Duration.ofMinutes(5)).watchBudget(shared).build();
      try {
        for (int i = 0; i < WATCHES; i++) {
          assertThat(discovery.instances(ServiceQuery.of("svc-" + i))).hasSize(1);
        }
        int parked = BudgetLimit.slots(budget) - 2;
        Await.until("the feed running and " + (WATCHES - parked) + " queries resting on it", WAIT,
            () -> shared.feeds() == 1 && shared.parked() == parked && shared.resting() == WATCHES - parked);
        long limit = CallThreads.virtual() ? 0 : BudgetLimit.slots(budget);
        Await.until("at most " + limit + " platform threads for " + WATCHES + " watches and the feed", WAIT,
            () -> busyCallThreads(agent) <= limit);
        if (!CallThreads.virtual()) {
          assertThat(busyCallThreads(agent)).as("the feed's and the parked queries' calls").isPositive();
        }
      } finally {
        discovery.close();
      }
      Await.until("the call threads to end after close", WAIT, () -> callThreads(agent) <= before);
    }
  }
}
