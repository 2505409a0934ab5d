package dev.discovery.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.MapDiscovery;
import dev.discovery.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class StripedPositionTest {
  private static final int INSTANCES = 5;
  private static final int PICKS = 2_000;

  @Test
  void stripeCountsArePowersOfTwoAboveTwicetheProcessors() {
    assertThat(StripedPosition.stripes(1)).isEqualTo(2);
    assertThat(StripedPosition.stripes(2)).isEqualTo(4);
    assertThat(StripedPosition.stripes(3)).isEqualTo(8);
    assertThat(StripedPosition.stripes(8)).isEqualTo(16);
  }

  @Test
  void everyThreadsPicksAreEvenOverAnyWindowAndTheTotalsAreEqualWhileThreadsPickAtOnce() throws Exception {
    MapDiscovery discovery = new MapDiscovery();
    List<ServiceInstance> instances = LoadBalancersTest.instances(INSTANCES);
    discovery.services.put("web", instances);
    ServiceHandle web = ServiceSelector.builder(discovery).build().forService("web");

    int threads = Math.min(4, StripedPosition.stripes(Runtime.getRuntime().availableProcessors()));
    CyclicBarrier start = new CyclicBarrier(threads);
    List<List<ServiceInstance>> picks = new ArrayList<>();
    List<Thread> pickers = new ArrayList<>();
    Set<Integer> stripes = new HashSet<>();
    // A thread's id, hence its stripe, is fixed when it is created: keep only threads on stripes not yet
    // taken, so that each picker is alone on its stripe, as the first threads of a pool are.
    while (pickers.size() < threads) {
      List<ServiceInstance> mine = new ArrayList<>();
      Thread t = new Thread(() -> {
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        for (int p = 0; p < PICKS; p++) {
          mine.add(web.next());
        }
      });
      if (stripes.add(StripedPosition.stripeOf(t))) {
        pickers.add(t);
        picks.add(mine);
      }
    }
    for (Thread t : pickers) {
      t.start();
    }
    for (Thread t : pickers) {
      t.join();
    }

    Map<ServiceInstance, Integer> totals = new HashMap<>();
    for (List<ServiceInstance> mine : picks) {
      assertThat(mine).hasSize(PICKS);
      for (int from = 0; from + INSTANCES <= mine.size(); from++) {
        assertThat(new HashSet<>(mine.subList(from, from + INSTANCES)))
            .as("picks %d..%d of one thread", from, from + INSTANCES - 1).hasSize(INSTANCES);
      }
      mine.forEach(i -> totals.merge(i, 1, Integer::sum));
    }
    assertThat(totals.values()).as("every instance equally often over all threads")
        .containsOnly(threads * PICKS / INSTANCES);
  }
}
