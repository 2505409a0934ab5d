package dev.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** A discovery that answers from a map the test fills, enough to drive a selector and the call policy. */
public final class MapDiscovery implements ServiceDiscovery {
  /** The instances of each service; a service that is absent has none. */
  public final Map<String, List<ServiceInstance>> services = new ConcurrentHashMap<>();

  @Override
  public List<ServiceInstance> instances(ServiceQuery query) {
    return services.getOrDefault(query.service(), List.of());
  }

  @Override
  public CompletableFuture<List<ServiceInstance>> instancesAsync(ServiceQuery query) {
    return CompletableFuture.completedFuture(instances(query));
  }

  @Override
  public ServiceSnapshot snapshot(ServiceQuery query) {
    return new ServiceSnapshot(query, instances(query), Duration.ZERO, false, null);
  }

  @Override
  public Subscription subscribe(ServiceQuery query, Consumer<List<ServiceInstance>> onChange) {
    return () -> {};
  }

  @Override
  public void close() {}
}
