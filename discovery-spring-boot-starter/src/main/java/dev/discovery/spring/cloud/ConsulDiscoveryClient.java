package dev.discovery.spring.cloud;

import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.spring.ConsulSettings;
import java.util.ArrayList;
import java.util.List;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Spring Cloud's blocking {@link DiscoveryClient} over the library: {@link #getInstances} reads the cache
 * (after the first call of a service, no I/O; while Consul is down, the last good answer up to the maximum
 * staleness), {@link #getServices} and {@link #probe} ask the catalog of the first agent.
 *
 * <p>{@link #getInstances} throws {@link dev.discovery.RegistryUnavailableException} when Consul has been
 * unreachable for longer than {@code discovery.consul.max-staleness}, rather than pretending the service has
 * no instance.
 */
public final class ConsulDiscoveryClient implements DiscoveryClient {
  private final ServiceDiscovery discovery;
  private final ConsulSettings settings;
  private final ServiceCatalogReader catalog;

  /** A client reading {@code discovery} with the starter's query for each service. */
  public ConsulDiscoveryClient(ServiceDiscovery discovery, ConsulSettings settings, ServiceCatalogReader catalog) {
    this.discovery = discovery;
    this.settings = settings;
    this.catalog = catalog;
  }

  @Override
  public String description() {
    return "Consul discovery client of dev.discovery (cached, push-updated)";
  }

  @Override
  public List<org.springframework.cloud.client.ServiceInstance> getInstances(String serviceId) {
    return toSpring(discovery.instances(settings.query(serviceId)));
  }

  @Override
  public List<String> getServices() {
    return catalog.serviceNames();
  }

  @Override
  public void probe() {
    catalog.serviceNames();
  }

  static List<org.springframework.cloud.client.ServiceInstance> toSpring(List<ServiceInstance> instances) {
    List<org.springframework.cloud.client.ServiceInstance> out = new ArrayList<>(instances.size());
    for (ServiceInstance i : instances) {
      out.add(new ConsulServiceInstance(i));
    }
    return out;
  }
}
