package dev.discovery.benchmarks;

import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;

/**
 * Many services watched through a backend's own watches, for the budget figures (9 and 11): each watch records its
 * service's instance count, and the first one reports a subscriber. The watches are the backend's own, with no
 * cache in front, so that timing a query does not count as using it (a query callers read gets a parked slot at the
 * next ranking, which would hide what happens outside the budget).
 */
final class WatchedServices implements AutoCloseable {
  private final List<Watch> watches = new ArrayList<>();
  /** Instances each service was last seen with; 0 before its first answer. */
  final AtomicIntegerArray seen;

  private WatchedServices(int services) {
    seen = new AtomicIntegerArray(services);
  }

  /** The benchmark services' names: svc-0000, svc-0001, ... */
  static String name(int i) {
    return String.format(Locale.ROOT, "svc-%04d", i);
  }

  /** Watches {@code services} services on {@code backend} and waits (up to a minute) for every first answer. */
  static WatchedServices watch(DiscoveryBackend backend, int services) throws InterruptedException {
    WatchedServices watched = new WatchedServices(services);
    for (int i = 0; i < services; i++) {
      int index = i;
      watched.watches.add(backend.watch(ServiceQuery.of(name(i)), new WatchListener() {
        @Override
        public void onAnswer(Answer answer) {
          watched.seen.set(index, answer.instances().size());
        }

        @Override
        public void onError(Throwable error) {
          System.err.println(name(index) + ": " + error);
        }

        @Override
        public boolean hasSubscribers() {
          return index == 0;
        }
      }));
    }
    await(() -> {
      for (int i = 0; i < services; i++) {
        if (watched.seen.get(i) == 0) {
          return false;
        }
      }
      return true;
    }, Duration.ofSeconds(60), "every first answer");
    return watched;
  }

  /** Polls {@code condition} every millisecond until it holds, failing after {@code limit}. */
  static void await(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(1);
    }
  }

  /** p50, p99 and the largest of sorted milliseconds. */
  static String percentiles(long[] sorted) {
    long p50 = sorted[(sorted.length - 1) / 2];
    long p99 = sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)];
    return "p50 " + p50 + " ms, p99 " + p99 + " ms, max " + sorted[sorted.length - 1] + " ms (n=" + sorted.length
        + ")";
  }

  @Override
  public void close() {
    for (Watch w : watches) {
      w.close();
    }
  }
}
