package dev.discovery.spring.cloud;

import dev.discovery.ServiceDiscovery;
import dev.discovery.Subscription;
import dev.discovery.spring.ConsulSettings;
import java.util.List;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A {@link ServiceInstanceListSupplier} fed by the library's subscription: it emits the current instances as
 * soon as they are known and then every change, as Consul's blocking query delivers it. No cache sits in
 * front of it, so a balancer that reads it sees a deregistration within one round trip, not after Spring
 * Cloud's 35 s.
 *
 * <p>The subscription starts with the first {@link #get()} and ends when the load balancer's context closes.
 * Each subscriber first receives the latest list.
 */
public final class SubscribingServiceInstanceListSupplier implements ServiceInstanceListSupplier, DisposableBean {
  private final String service;
  private final ServiceDiscovery discovery;
  private final ConsulSettings settings;
  private final Sinks.Many<List<ServiceInstance>> latest = Sinks.many().replay().latest();
  private Subscription subscription;
  private boolean closed;

  /** A supplier of {@code service}'s instances. */
  public SubscribingServiceInstanceListSupplier(String service, ServiceDiscovery discovery, ConsulSettings settings) {
    this.service = service;
    this.discovery = discovery;
    this.settings = settings;
  }

  @Override
  public String getServiceId() {
    return service;
  }

  @Override
  public Flux<List<ServiceInstance>> get() {
    subscribeOnce();
    return latest.asFlux();
  }

  private synchronized void subscribeOnce() {
    if (subscription != null || closed) {
      return;
    }
    // The library calls back on its single notification thread, in order, so emissions never overlap one
    // another; they could overlap destroy()'s completion, which Reactor would then refuse (FAIL_NON_SERIALIZED)
    // and subscribers would never hear the end. So every emission holds this object's lock, as destroy() does.
    subscription = discovery.subscribe(settings.query(service), instances -> emit(instances));
  }

  private synchronized void emit(java.util.List<dev.discovery.ServiceInstance> instances) {
    if (!closed) {
      latest.tryEmitNext(ConsulDiscoveryClient.toSpring(instances));
    }
  }

  @Override
  public synchronized void destroy() {
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    latest.tryEmitComplete();
  }
}
