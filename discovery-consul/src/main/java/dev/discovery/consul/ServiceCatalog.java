package dev.discovery.consul;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The services one datacenter's catalog knows, each with the tags its instances carry, as of a Consul index:
 * the answer of {@link ConsulAgent#catalogServices(String)}. A service is in the catalog while any instance of it
 * is registered, whatever its health, so this tells an unknown service from one that has no passing instance.
 * Immutable; names are sorted.
 *
 * @param index the {@code X-Consul-Index} to pass to the next blocking read, or 0 when the agent sent none usable
 * @param services service name to the union of its instances' tags
 */
public record ServiceCatalog(long index, Map<String, Set<String>> services) {
  /** Copies {@code services} into an immutable, sorted map. */
  public ServiceCatalog {
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative, was " + index);
    }
    TreeMap<String, Set<String>> copy = new TreeMap<>();
    services.forEach((name, tags) -> copy.put(name, Collections.unmodifiableSet(new TreeSet<>(tags))));
    services = Collections.unmodifiableMap(copy);
  }

  /** Whether {@code service} has at least one registered instance (of any health). */
  public boolean contains(String service) {
    return services.containsKey(service);
  }

  /** The tags of {@code service}'s instances (empty for a service without tags, or an unknown one). */
  public Set<String> tags(String service) {
    return services.getOrDefault(service, Set.of());
  }

  /** The names of the services, sorted. */
  public Set<String> names() {
    return services.keySet();
  }
}
