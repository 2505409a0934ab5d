package dev.discovery.micrometer;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.DiscoveryObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes what discovery does as Micrometer meters. Install one on the discovery and on its selectors:
 *
 * <pre>{@code
 * MicrometerObserver metrics = MicrometerObserver.create(registry);
 * ServiceDiscovery discovery = ConsulDiscovery.http().cache(c -> c.observer(metrics)).build();
 * ServiceSelector selector = ServiceSelector.builder(discovery).observer(metrics).build();
 * }</pre>
 *
 * <p>Cache meters are tagged {@code service}, {@code backend} (such as {@code consul-http}; never an address
 * or a token) and {@code dc} (the query's datacenter, {@code default} when it names none: every meter of a
 * name has the same tag keys, as Prometheus requires). Selector meters are tagged {@code service} and
 * {@code backend}. Several queries of one service (other tags or health filters) share their meters:
 * counters add up, the gauges show the stalest query's staleness, stale when any query is, the largest
 * instance count and the longest retry delay. A service's cache meters are removed when its last query stops
 * being kept fresh (idle, or the discovery closed). See the module's README for the meter table.
 *
 * <p>A cache hit increments a counter and allocates nothing.
 */
public final class MicrometerObserver implements DiscoveryObserver {
  private final MeterRegistry registry;
  private final Tags commonTags;
  /** Guarded by itself. */
  private final Map<Tags, ServiceMeters> services = new HashMap<>();
  /** The budget gauges' values by backend name; guarded by itself. */
  private final Map<String, AtomicInteger> budgets = new HashMap<>();

  private MicrometerObserver(MeterRegistry registry, Tags commonTags) {
    this.registry = registry;
    this.commonTags = commonTags;
  }

  /** An observer publishing to {@code registry}. */
  public static MicrometerObserver create(MeterRegistry registry) {
    return create(registry, Tags.empty());
  }

  /**
   * An observer publishing to {@code registry}, adding {@code commonTags} to every meter: needed only to tell
   * apart two discoveries over the same kind of backend in one registry (e.g. {@code cluster=east}).
   */
  public static MicrometerObserver create(MeterRegistry registry, Iterable<Tag> commonTags) {
    return new MicrometerObserver(Objects.requireNonNull(registry, "registry"),
        Tags.of(Objects.requireNonNull(commonTags, "commonTags")));
  }

  @Override
  public QueryObserver queryStarted(QueryState state) {
    ServiceQuery query = state.query();
    Tags tags = commonTags.and(
        "service", query.service(),
        "backend", state.backend(),
        "dc", query.datacenter() == null ? "default" : query.datacenter());
    synchronized (services) {
      ServiceMeters meters = services.computeIfAbsent(tags, t -> new ServiceMeters(registry, t, this::release));
      return meters.add(state);
    }
  }

  /** Called by a service's meters when its last query closed: removes them, unless a new query came. */
  private void release(ServiceMeters meters) {
    synchronized (services) {
      if (meters.isUnused() && services.get(meters.tags) == meters) {
        services.remove(meters.tags);
        meters.remove();
      }
    }
  }

  @Override
  public void instanceEjected(String service, String backend, ServiceInstance instance, Duration duration) {
    selectorCounter("discovery.selector.ejections", "instances ejected after consecutive failed calls",
        service, backend).increment();
  }

  @Override
  public void panicStarted(ServiceQuery query, String backend, int ejected, int instances) {
    selectorCounter("discovery.selector.panic",
        "times a selector found too many instances ejected and used them all again", query.service(), backend)
        .increment();
  }

  @Override
  public void noInstance(ServiceQuery query, String backend) {
    selectorCounter("discovery.selector.no.instance", "selections that found no healthy instance",
        query.service(), backend).increment();
  }

  @Override
  public void connectionRefused(String backend, int budget) {
    Counter.builder("discovery.connections.refused")
        .description("connections the registry refused because this client held too many (HTTP 429)")
        .tags(commonTags).tag("backend", backend).register(registry).increment();
    AtomicInteger gauge;
    synchronized (budgets) {
      gauge = budgets.computeIfAbsent(backend, b -> {
        AtomicInteger value = new AtomicInteger();
        Gauge.builder("discovery.connections.budget", value, AtomicInteger::get)
            .description("connections the backend may hold at the registry, after the last refusal")
            .tags(commonTags).tag("backend", b).register(registry);
        return value;
      });
    }
    gauge.set(budget);
  }

  private Counter selectorCounter(String name, String description, String service, String backend) {
    return Counter.builder(name).description(description)
        .tags(commonTags).tag("service", service).tag("backend", backend)
        .register(registry);
  }

  @Override
  public String toString() {
    return "MicrometerObserver{" + registry.getClass().getSimpleName() + "}";
  }
}
