package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spi.DiscoveryObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Fifty watched queries against an agent that accepts 10 connections from this client
 * ({@code limits.http_max_conns_per_client = 10}) with a budget of 16: the agent refuses connections with 429, the
 * budget shrinks, every query still sees every change, and no lookup fails; when the agent's limit is raised, the
 * budget grows back to 16. Counts and states only; every wait is bounded.
 */
class ConnectionLimitTest {
  /** Many queries on a loaded machine take longer to settle than the default wait. */
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int QUERIES = 50;

  private static String instance(String service, String id) {
    return "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"10.0.0.1\",\"Port\":8080}";
  }

  @Test
  void fiftyQueriesStayFreshWithinTenConnectionsAndTheBudgetShrinksAndRecovers() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().maxConnsPerClient(10).runChecks(false).start()) {
      for (int i = 0; i < QUERIES; i++) {
        agent.registerService(instance("svc-" + i, "svc-" + i + "-a"));
      }
      WatchBudget budget = WatchBudget.of(16, Duration.ofMillis(500), Duration.ofMillis(200));
      AtomicInteger refusalsObserved = new AtomicInteger();
      DiscoveryObserver observer = new DiscoveryObserver() {
        @Override
        public void connectionRefused(String backend, int connections) {
          refusalsObserved.incrementAndGet();
        }
      };
      CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).waitTime(Duration.ofSeconds(30)).watchBudget(budget).cache(c -> c.observer(observer))
          .errorBackoff(Duration.ofMillis(100), Duration.ofMillis(400)).build();
      AtomicLong lookups = new AtomicLong();
      AtomicInteger errors = new AtomicInteger();
      AtomicReference<Throwable> firstError = new AtomicReference<>();
      AtomicInteger smallestBudget = new AtomicInteger(16);
      AtomicBoolean stop = new AtomicBoolean();
      Thread reader = new Thread(() -> {
        while (!stop.get()) {
          for (int i = 0; i < QUERIES && !stop.get(); i++) {
            try {
              assertThat(discovery.instances(ServiceQuery.of("svc-" + i))).isNotEmpty();
              lookups.incrementAndGet();
            } catch (Throwable e) {
              errors.incrementAndGet();
              firstError.compareAndSet(null, e);
            }
          }
          smallestBudget.accumulateAndGet(budget.connections(), Math::min);
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "limit-test-reader");
      try {
        reader.start();
        Await.until("every query loaded", WAIT, () -> lookups.get() >= 2L * QUERIES);
        // A change to every service: each query must see it, parked or rotating.
        for (int i = 0; i < QUERIES; i++) {
          agent.registerService(instance("svc-" + i, "svc-" + i + "-b"));
        }
        for (int i = 0; i < QUERIES; i++) {
          ServiceQuery q = ServiceQuery.of("svc-" + i);
          Await.until("the change to " + q, WAIT, () -> discovery.instances(q).size() == 2);
        }
        assertThat(agent.rejectedConnections()).as("the agent refused connections").isPositive();
        assertThat(budget.rejections()).as("the budget saw the 429s").isPositive();
        assertThat(refusalsObserved.get()).as("the observer heard of them").isPositive();
        assertThat(smallestBudget.get()).as("the budget shrank").isLessThan(16);
        assertThat(budget.parked()).isLessThanOrEqualTo(BudgetLimit.slots(budget.connections()));

        // The agent's limit is raised: the budget grows back to its maximum and everything stays fresh.
        agent.maxConnsPerClient(100);
        Await.until("the budget back at 16", WAIT, () -> budget.connections() == 16);
        // The slots are shared by the parked queries and the change feed (2 connections while it runs).
        Await.until("the slots filled again", WAIT,
            () -> budget.parked() + 2 * budget.feeds() == BudgetLimit.slots(16));
        agent.deregisterService(agent.nodeName(), "svc-0-a");
        agent.deregisterService(agent.nodeName(), "svc-49-a");
        Await.until("svc-0 changed", WAIT, () -> discovery.instances(ServiceQuery.of("svc-0")).size() == 1);
        Await.until("svc-49 changed", WAIT, () -> discovery.instances(ServiceQuery.of("svc-49")).size() == 1);
        List<ServiceInstance> last = discovery.instances(ServiceQuery.of("svc-49"));
        assertThat(last).extracting(ServiceInstance::id).singleElement().asString().endsWith("svc-49-b");
      } finally {
        stop.set(true);
        reader.join(10_000);
        discovery.close();
      }
      assertThat(errors.get()).as("lookups that failed (first: %s)", firstError.get()).isZero();
      assertThat(budget.members()).isZero();
      Await.until("the connections closed", WAIT, () -> agent.openConnections() == 0);
    }
  }
}
