package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Uniform choice; no shared state, so no contention between threads. */
final class RandomBalancer implements LoadBalancer {
  @Override
  public ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances) {
    return instances.get(ThreadLocalRandom.current().nextInt(instances.size()));
  }
}
