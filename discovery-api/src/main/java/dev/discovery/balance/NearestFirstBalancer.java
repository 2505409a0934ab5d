package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;

/**
 * The first instance in the answer's order. With {@link ServiceQuery#near} the registry sorts the answer by
 * estimated round-trip time and the cache keeps that order, so this is the nearest instance; the selector
 * leaves ejected instances out of the list it passes, so the next nearest takes over while the nearest is
 * ejected, and the nearest gets the calls back when its cool-down ends.
 */
final class NearestFirstBalancer implements LoadBalancer {
  @Override
  public ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances) {
    return instances.get(0);
  }
}
