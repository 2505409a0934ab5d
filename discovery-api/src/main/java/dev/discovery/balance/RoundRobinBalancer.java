package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One position per query, so that calls for one service never skip instances of another. The position
 * survives list changes: the rotation continues over the new list instead of restarting at its head. It is
 * {@linkplain StripedPosition striped}, so threads on different cores do not share one hot counter.
 */
final class RoundRobinBalancer implements LoadBalancer {
  private final ConcurrentMap<ServiceQuery, StripedPosition> positions = new ConcurrentHashMap<>();

  @Override
  public ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances) {
    return instances.get(position(query).next() % instances.size());
  }

  /** The query's position, shared by {@link #choose} and the selector's handle for the query. */
  StripedPosition position(ServiceQuery query) {
    StripedPosition position = positions.get(query);
    if (position == null) {
      position = positions.computeIfAbsent(query, q -> new StripedPosition());
    }
    return position;
  }
}
