package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Power of two choices on calls in flight: nearly as good as picking the global minimum, without scanning
 * the list or herding every caller onto the same idle instance.
 *
 * <p>Instance ids come and go (a Mesos task gets a new one at every restart), so counters of instances with
 * nothing in flight are dropped whenever the map has doubled since the last sweep: memory follows the live
 * instances, and steady state allocates nothing.
 */
final class LeastInFlightBalancer implements LoadBalancer {
  private static final int FIRST_SWEEP_AT = 64;
  private final ConcurrentMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private volatile int sweepAt = FIRST_SWEEP_AT;

  @Override
  public ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances) {
    int size = instances.size();
    if (size == 1) {
      return instances.get(0);
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int a = random.nextInt(size);
    int b = random.nextInt(size - 1);
    if (b >= a) {
      b++; // two distinct instances
    }
    ServiceInstance first = instances.get(a);
    ServiceInstance second = instances.get(b);
    return load(second) < load(first) ? second : first;
  }

  private int load(ServiceInstance instance) {
    AtomicInteger count = inFlight.get(instance.id());
    return count == null ? 0 : count.get();
  }

  @Override
  public void onStart(ServiceInstance instance) {
    AtomicInteger count = inFlight.get(instance.id());
    if (count == null) {
      count = inFlight.computeIfAbsent(instance.id(), id -> new AtomicInteger());
      if (inFlight.size() > sweepAt) {
        sweep();
      }
    }
    count.incrementAndGet();
  }

  /**
   * Drops idle counters. A call starting on a counter just dropped is not counted, which only makes that
   * instance look a little less loaded until its next call: acceptable for a balancing heuristic.
   */
  private synchronized void sweep() {
    if (inFlight.size() <= sweepAt) {
      return; // another thread swept meanwhile
    }
    inFlight.values().removeIf(c -> c.get() == 0);
    sweepAt = Math.max(FIRST_SWEEP_AT, inFlight.size() * 2);
  }

  /** How many instances have a counter, for tests. */
  int tracked() {
    return inFlight.size();
  }

  @Override
  public void onComplete(ServiceInstance instance, Outcome outcome) {
    AtomicInteger count = inFlight.get(instance.id());
    if (count != null) {
      count.updateAndGet(n -> n > 0 ? n - 1 : 0);
    }
  }

  /** Calls in flight to the instance, for tests. */
  int inFlight(ServiceInstance instance) {
    return load(instance);
  }
}
