package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A parked blocking reader computes its answer again only after a write, as Consul's watch sets do: a hundred
 * clients holding 5-minute queries on a 5,000-instance service must not cost the agent a render per second each.
 */
class StoreBlockingTest {
  @Test
  void aBlockedReaderRunsItsQueryAgainOnlyAfterAWrite() throws Exception {
    Store store = new Store();
    AtomicInteger runs = new AtomicInteger();
    AtomicLong resultIndex = new AtomicLong(5);
    CompletableFuture<Store.Indexed<String>> answer = CompletableFuture.supplyAsync(() -> store.block(5,
        TimeUnit.SECONDS.toNanos(30), () -> {
          runs.incrementAndGet();
          return new Store.Indexed<>("body", resultIndex.get());
        }, () -> false));
    Await.until("the first run", () -> runs.get() > 0);
    assertThat(runs).as("the first run").hasValue(1);

    for (int i = 0; i < 20; i++) {
      store.wakeAll(); // wake-ups without a write, like the once-a-second check for a dropped connection
      Thread.sleep(5);
    }
    assertThat(answer).as("still waiting").isNotDone();
    assertThat(runs).as("no run without a write").hasValue(1);

    resultIndex.set(6);
    store.resetIndex(store.index()); // a write: every reader is woken and runs its query again
    assertThat(answer.get(10, TimeUnit.SECONDS).index()).isEqualTo(6);
    assertThat(runs).hasValue(2);
  }
}
