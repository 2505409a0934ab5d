package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A backend that answers every query with the same fixed instances, without I/O. The hot-path benchmark can
 * run our cache and selector over it ({@code -p source=memory}) when the Consul HTTP backend is unavailable:
 * once a query is loaded, the cache's read path never touches the backend, so the figure is the same.
 */
final class MemoryBackend implements DiscoveryBackend {
  private final int count;

  MemoryBackend(int count) {
    this.count = count;
  }

  @Override
  public String describe() {
    return "in-memory (" + count + " instances)";
  }

  @Override
  public CompletableFuture<Answer> fetch(ServiceQuery query) {
    List<ServiceInstance> instances = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      instances.add(ServiceInstance.of(query.service(), "10.0.0." + (i + 1), 20000 + i));
    }
    return CompletableFuture.completedFuture(Answer.of(instances));
  }

  @Override
  public void close() {}
}
