package dev.discovery.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Health;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoadBalancersTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");

  static List<ServiceInstance> instances(int count) {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      list.add(ServiceInstance.of("web", "10.0.0." + i, 8080));
    }
    return List.copyOf(list);
  }

  static ServiceInstance weighted(String id, int weight) {
    return new ServiceInstance(id, "web", "10.0.0.1", 8080, Set.of(), Map.of(), weight, Health.PASSING);
  }

  @Test
  void roundRobinIsExactlyFairAcrossThreads() throws Exception {
    LoadBalancer rr = LoadBalancers.roundRobin();
    List<ServiceInstance> three = instances(3);
    Map<ServiceInstance, AtomicInteger> counts = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 3000; i++) {
            counts.computeIfAbsent(rr.choose(WEB, three), k -> new AtomicInteger()).incrementAndGet();
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(counts.values()).extracting(AtomicInteger::get).containsOnly(4000);
  }

  @Test
  void roundRobinKeepsRotatingWhenTheListChangesAndPerQuery() {
    LoadBalancer rr = LoadBalancers.roundRobin();
    List<ServiceInstance> three = instances(3);
    // The rotation starts where the calling thread's stripe starts (stripes start apart), then steps by one.
    int first = three.indexOf(rr.choose(WEB, three));
    assertThat(rr.choose(WEB, three)).isEqualTo(three.get((first + 1) % 3));
    // Another service's calls do not disturb web's rotation.
    rr.choose(ServiceQuery.of("db"), three);
    List<ServiceInstance> four = instances(4);
    int next = four.indexOf(rr.choose(WEB, four));
    assertThat(rr.choose(WEB, four)).as("the same position steps on over the new list")
        .isEqualTo(four.get((next + 1) % 4));
    assertThat(rr.choose(WEB, four)).isEqualTo(four.get((next + 2) % 4));
  }

  @Test
  void weightedRoundRobinIsSmooth() {
    LoadBalancer wrr = LoadBalancers.weightedRoundRobin();
    List<ServiceInstance> list = List.of(weighted("a", 5), weighted("b", 1), weighted("c", 1));
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 14; i++) {
      order.append(wrr.choose(WEB, list).id());
    }
    // The interleaving of smooth weighted round robin: a's five calls are spread around b and c.
    assertThat(order.toString()).isEqualTo("aabacaa" + "aabacaa");
  }

  @Test
  void weightedRoundRobinFollowsWeightsOverTime() {
    LoadBalancer wrr = LoadBalancers.weightedRoundRobin();
    List<ServiceInstance> list = List.of(weighted("a", 10), weighted("b", 1));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1100; i++) {
      counts.merge(wrr.choose(WEB, list).id(), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 1000).containsEntry("b", 100);
  }

  @Test
  void randomPicksEveryInstanceAndOnlyFromTheList() {
    LoadBalancer random = LoadBalancers.random();
    List<ServiceInstance> five = instances(5);
    Map<ServiceInstance, Integer> counts = new HashMap<>();
    for (int i = 0; i < 5000; i++) {
      counts.merge(random.choose(WEB, five), 1, Integer::sum);
    }
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(five);
    assertThat(counts.values()).allMatch(c -> c > 500, "each of 5 gets a fair share of 5000");
  }

  @Test
  void leastInFlightAvoidsTheBusyInstance() {
    LoadBalancer lif = LoadBalancers.leastInFlight();
    List<ServiceInstance> two = instances(2);
    for (int i = 0; i < 10; i++) {
      lif.onStart(two.get(0)); // ten calls stuck on the first
    }
    for (int i = 0; i < 100; i++) {
      assertThat(lif.choose(WEB, two)).isEqualTo(two.get(1));
    }
    for (int i = 0; i < 10; i++) {
      lif.onComplete(two.get(0), Outcome.SUCCESS);
    }
    lif.onStart(two.get(1));
    assertThat(lif.choose(WEB, two)).isEqualTo(two.get(0));
  }

  @Test
  void leastInFlightForgetsInstancesThatCameAndWentButNotCallsInFlight() {
    LeastInFlightBalancer lif = (LeastInFlightBalancer) LoadBalancers.leastInFlight();
    List<ServiceInstance> two = instances(2);
    for (int i = 0; i < 3; i++) {
      lif.onStart(two.get(0)); // still in flight through all the churn below
    }
    for (int task = 0; task < 10_000; task++) { // a Mesos service whose tasks restart with new ids
      ServiceInstance instance = ServiceInstance.of("web", "10.1." + (task / 250) + "." + (task % 250), 8080);
      lif.onStart(instance);
      lif.onComplete(instance, Outcome.SUCCESS);
    }
    assertThat(lif.tracked()).as("counters kept after 10,000 short-lived instances").isLessThanOrEqualTo(130);
    assertThat(lif.inFlight(two.get(0))).as("calls in flight survive the sweeps").isEqualTo(3);
    for (int i = 0; i < 20; i++) {
      assertThat(lif.choose(WEB, two)).isEqualTo(two.get(1));
    }
  }

  @Test
  void picksAllocateNothing() {
    List<ServiceInstance> list = List.of(weighted("a", 3), weighted("b", 2), weighted("c", 1));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    for (LoadBalancer balancer : List.of(LoadBalancers.roundRobin(), LoadBalancers.random(),
        LoadBalancers.weightedRoundRobin(), LoadBalancers.leastInFlight())) {
      for (int i = 0; i < 200_000; i++) {
        ServiceInstance chosen = balancer.choose(WEB, list);
        balancer.onStart(chosen);
        balancer.onComplete(chosen, Outcome.SUCCESS);
      }
      long before = threads.getThreadAllocatedBytes(self);
      for (int i = 0; i < 100_000; i++) {
        ServiceInstance chosen = balancer.choose(WEB, list);
        balancer.onStart(chosen);
        balancer.onComplete(chosen, Outcome.SUCCESS);
      }
      long allocated = threads.getThreadAllocatedBytes(self) - before;
      assertThat(allocated).as("bytes allocated by 100,000 picks of " + balancer.getClass().getSimpleName())
          .isLessThan(16 * 1024);
    }
  }
}
