package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One counter per query, so that calls for one service never skip instances of another. The counter
 * survives list changes: the rotation continues over the new list instead of restarting at its head.
 */
final class RoundRobinBalancer implements LoadBalancer {
  private final ConcurrentMap<ServiceQuery, AtomicInteger> counters = new ConcurrentHashMap<>();

  @Override
  public ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances) {
    AtomicInteger counter = counters.get(query);
    if (counter == null) {
      counter = counters.computeIfAbsent(query, q -> new AtomicInteger());
    }
    int n = counter.getAndIncrement() & Integer.MAX_VALUE;
    return instances.get(n % instances.size());
  }
}
