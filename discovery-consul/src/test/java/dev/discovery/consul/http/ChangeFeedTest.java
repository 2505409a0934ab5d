package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.Health;
import dev.discovery.HealthFilter;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sixty watched queries with a budget of 8 (7 slots: the change feed's 2 and 5 parked queries; 1 lane) against an
 * agent that accepts 10 connections from this client. The rotation interval is 0, so without the feed the lane
 * would read the 55 other queries back to back; with it they are read only when the feed names their service, and
 * the counts at the agent say so. Counts and states only; every wait is bounded.
 */
class ChangeFeedTest {
  private static final int QUERIES = 60;
  private static final int BUDGET = 8;

  private static String name(int i) {
    return "svc-" + i;
  }

  private static String instance(String service, String id, boolean check) {
    return "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"10.0.0.1\",\"Port\":8080"
        + (check ? ",\"Check\":{\"CheckID\":\"chk-" + id + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}" : "")
        + "}";
  }

  private static ServiceQuery query(int i) {
    return ServiceQuery.of(name(i)).withHealth(HealthFilter.PASSING_OR_WARNING);
  }

  private static long healthReads(ConsulTestAgent agent) {
    long n = 0;
    for (int i = 0; i < QUERIES; i++) {
      n += agent.requestCount("/v1/health/service/" + name(i));
    }
    return n;
  }

  private static long feedReads(ConsulTestAgent agent) {
    return agent.requestCount("/v1/health/state/any") + agent.requestCount("/v1/catalog/services");
  }

  /**
   * Looks every query up (in memory) and returns query {@code i}'s answer: all of them stay equally "recently used",
   * so that the idle sweep (every 30 s) never reorders the budget's ranking in the middle of a count.
   */
  private static List<ServiceInstance> lookUp(CachingDiscovery discovery, int i) {
    for (int j = 0; j < QUERIES; j++) {
      discovery.instances(query(j));
    }
    return discovery.instances(query(i));
  }

  private record Setup(ConsulTestAgent agent, WatchBudget budget, CachingDiscovery discovery) {}

  /** Every query loaded and the feed running, with every query outside the slots resting on its word. */
  private static Setup start(ConsulTestAgent agent) {
    for (int i = 0; i < QUERIES; i++) {
      agent.registerService(instance(name(i), name(i) + "-a", true));
    }
    WatchBudget budget = WatchBudget.of(BUDGET, Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(10));
    CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
        .agents(agent.httpUri()).waitTime(Duration.ofMinutes(5)).watchBudget(budget).build();
    for (int i = 0; i < QUERIES; i++) {
      assertThat(discovery.instances(query(i))).hasSize(1);
    }
    int covered = QUERIES - (BudgetLimit.slots(BUDGET) - 2);
    Await.until("the feed running and " + covered + " queries resting on it",
        () -> budget.feeds() == 1 && budget.resting() == covered);
    return new Setup(agent, budget, discovery);
  }

  @Test
  void aHealthChangeOutsideTheBudgetIsSeenAndNothingElseIsRead() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().maxConnsPerClient(10).runChecks(false).start()) {
      Setup s = start(agent);
      try {
        assertThat(s.budget.parked()).isEqualTo(BudgetLimit.slots(BUDGET) - 2);
        long reads = healthReads(agent);
        long feed = feedReads(agent);
        int changes = 5;
        for (int k = 0; k < changes; k++) {
          int i = QUERIES - 1 - k; // the last watched: outside the slots
          agent.setCheckStatus("chk-" + name(i) + "-a", "warning", "slow");
          Await.until("the warning on " + name(i), () -> {
            List<ServiceInstance> now = lookUp(s.discovery, i);
            return now.size() == 1 && now.get(0).health() == Health.WARNING;
          });
        }
        // Each change: one read of its query, and one more if the feed named it while it was being read; the
        // feed's checks source answers once per change. Nothing else: the parked queries' services did not
        // change, and the safety net (10 min) is far off.
        assertThat(healthReads(agent) - reads).as("query reads over %d changes", changes)
            .isBetween((long) changes, 2L * changes);
        assertThat(feedReads(agent) - feed).as("feed requests").isLessThanOrEqualTo(2L * changes + 2);
        assertThat(agent.rejectedConnections()).as("refusals").isZero();
      } finally {
        s.discovery.close();
      }
    }
  }

  @Test
  void aCatalogChangeTheFeedCannotNameRereadsTheCoveredQueriesOnceAndIsSeen() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().maxConnsPerClient(10).runChecks(false).start()) {
      Setup s = start(agent);
      try {
        long reads = healthReads(agent);
        // A second instance without a check: the checks table does not move, and the catalog's answer (names and
        // tags) stays the same, so the feed cannot say which service changed and every covered query is read.
        int i = QUERIES - 1;
        agent.registerService(instance(name(i), name(i) + "-b", false));
        Await.until("the new instance of " + name(i), () -> lookUp(s.discovery, i).size() == 2);
        int covered = QUERIES - s.budget.parked();
        Await.until("the covered queries resting again", () -> s.budget.resting() == covered);
        assertThat(healthReads(agent) - reads).as("one read per covered query, two at most")
            .isBetween((long) covered, 2L * covered);

        // A new service's name is in the catalog's answer: only its query is read (none watches it yet, so none).
        long before = healthReads(agent);
        agent.registerService(instance("brand-new", "brand-new-1", false));
        agent.setCheckStatus("chk-" + name(i - 1) + "-a", "warning", "slow"); // and then a named change
        Await.until("the warning on " + name(i - 1),
            () -> lookUp(s.discovery, i - 1).get(0).health() == Health.WARNING);
        assertThat(healthReads(agent) - before).as("reads for a new name and one named change").isLessThanOrEqualTo(2);
      } finally {
        s.discovery.close();
      }
    }
  }

  @Test
  void withoutTheFeedTheQueriesOutsideTheBudgetAreReadInTurn() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().runChecks(false).start()) {
      for (int i = 0; i < 20; i++) {
        agent.registerService(instance(name(i), name(i) + "-a", true));
      }
      WatchBudget budget = WatchBudget.of(4, Duration.ofSeconds(30), Duration.ofMillis(100));
      CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).changeFeed(false).watchBudget(budget).build();
      try {
        for (int i = 0; i < 20; i++) {
          discovery.instances(query(i));
        }
        String last = "/v1/health/service/" + name(19);
        Await.until("rotation reads of the last query", () -> agent.requestCount(last) >= 4);
        assertThat(budget.feeds()).isZero();
        assertThat(feedReads(agent)).isZero();
      } finally {
        discovery.close();
      }
    }
  }

  @Test
  void afterASnapshotRestoreTheFeedResetsAndAChangeOutsideTheBudgetIsStillSeen() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().maxConnsPerClient(10).runChecks(false).start()) {
      for (int i = 0; i < QUERIES; i++) {
        agent.registerService(instance(name(i), name(i) + "-a", true));
      }
      // A short wait, so that the feed's parked queries (whose index is now above the agent's) come back soon.
      WatchBudget budget = WatchBudget.of(BUDGET, Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(10));
      CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).waitTime(Duration.ofSeconds(1)).watchBudget(budget).build();
      try {
        for (int i = 0; i < QUERIES; i++) {
          assertThat(discovery.instances(query(i))).hasSize(1);
        }
        Await.until("the feed vouching", () -> budget.feeds() == 1 && budget.resting() > 0);
        agent.resetIndex(2); // every index goes back below what the feed holds
        int i = QUERIES - 1;
        agent.setCheckStatus("chk-" + name(i) + "-a", "warning", "after the restore");
        Await.until("the warning on " + name(i), () -> {
          List<ServiceInstance> now = discovery.instances(query(i));
          return now.size() == 1 && now.get(0).health() == Health.WARNING;
        });
      } finally {
        discovery.close();
      }
    }
  }
}
