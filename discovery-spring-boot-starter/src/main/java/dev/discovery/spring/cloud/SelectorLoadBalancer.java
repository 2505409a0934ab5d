package dev.discovery.spring.cloud;

import dev.discovery.DiscoveryException;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.spring.ConsulSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud LoadBalancer's choice for one service, made by the library's {@link ServiceSelector}: a
 * memory read of the push-updated cache, the configured balancer, and no ejected instance (outcomes come
 * back through {@link SelectorOutcomeReporter}). It replaces Spring's round robin over a 35 s cache.
 *
 * <p>When the service has no healthy instance, or Consul has been unreachable beyond the maximum staleness,
 * the response is empty and Spring Cloud fails the call with its "no instances available" error; the reason
 * is logged at DEBUG.
 */
public final class SelectorLoadBalancer implements ReactorServiceInstanceLoadBalancer {
  private static final Logger LOG = LoggerFactory.getLogger(SelectorLoadBalancer.class);
  private final String service;
  private final ServiceSelector selector;
  private final ConsulSettings settings;

  /** The balancer of {@code service}. */
  public SelectorLoadBalancer(String service, ServiceSelector selector, ConsulSettings settings) {
    this.service = service;
    this.selector = selector;
    this.settings = settings;
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Mono<Response<ServiceInstance>> choose(Request request) {
    return Mono.fromSupplier(this::chooseNow);
  }

  private Response<ServiceInstance> chooseNow() {
    try {
      return new DefaultResponse(new ConsulServiceInstance(selector.next(settings.query(service))));
    } catch (DiscoveryException e) {
      LOG.debug("no instance of '{}' to call: {}", service, e.getMessage());
      return new EmptyResponse();
    }
  }

  /** The service balanced. */
  public String service() {
    return service;
  }
}
