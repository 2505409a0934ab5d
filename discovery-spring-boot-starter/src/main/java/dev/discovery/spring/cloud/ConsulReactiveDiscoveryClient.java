package dev.discovery.spring.cloud;

import dev.discovery.ServiceDiscovery;
import dev.discovery.spring.ConsulSettings;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Spring Cloud's {@link ReactiveDiscoveryClient} over the library. {@link #getInstances} never blocks the
 * subscriber's thread: a cached answer is emitted at once, a first load completes asynchronously.
 * {@link #getServices} asks the catalog on a bounded-elastic thread (the agent client is blocking).
 */
public final class ConsulReactiveDiscoveryClient implements ReactiveDiscoveryClient {
  private final ServiceDiscovery discovery;
  private final ConsulSettings settings;
  private final ServiceCatalogReader catalog;

  /** A client reading {@code discovery} with the starter's query for each service. */
  public ConsulReactiveDiscoveryClient(ServiceDiscovery discovery, ConsulSettings settings,
      ServiceCatalogReader catalog) {
    this.discovery = discovery;
    this.settings = settings;
    this.catalog = catalog;
  }

  @Override
  public String description() {
    return "Reactive Consul discovery client of dev.discovery (cached, push-updated)";
  }

  @Override
  public Flux<ServiceInstance> getInstances(String serviceId) {
    return Mono.defer(() -> Mono.fromFuture(discovery.instancesAsync(settings.query(serviceId))))
        .flatMapIterable(ConsulDiscoveryClient::toSpring);
  }

  @Override
  public Flux<String> getServices() {
    return Mono.fromCallable(catalog::serviceNames).subscribeOn(Schedulers.boundedElastic())
        .flatMapIterable(names -> names);
  }

  @Override
  public Mono<Void> reactiveProbe() {
    return Mono.fromRunnable(catalog::serviceNames).subscribeOn(Schedulers.boundedElastic()).then();
  }
}
