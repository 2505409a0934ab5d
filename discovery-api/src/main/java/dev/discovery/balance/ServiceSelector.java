package dev.discovery.balance;

import dev.discovery.internal.Checks;
import dev.discovery.NoHealthyInstanceException;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.spi.DiscoveryObserver;
import dev.discovery.spi.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties discovery and a load balancer together: {@code next("web")} gives the instance to call, and
 * {@link #report} tells how the call went. An instance that fails {@linkplain Builder#failuresToEject
 * several times in a row} is ejected for a {@linkplain Builder#ejectionTime cool-down}, but never so many
 * that fewer than half remain (then every instance is used again: better a failing instance than none).
 *
 * <pre>{@code
 * ServiceSelector selector = ServiceSelector.builder(discovery).build();
 * ServiceInstance web = selector.next("web");
 * try { call(web); selector.report(web, Outcome.SUCCESS); }
 * catch (IOException e) { selector.report(web, Outcome.FAILURE); }
 * }</pre>
 *
 * <p>Each ejection is logged once at INFO, and each start of panic mode once at WARN.
 */
public final class ServiceSelector {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceSelector.class);
  private final ServiceDiscovery discovery;
  private final LoadBalancer balancer;
  private final int failuresToEject;
  private final long ejectionNanos;
  private final int maxEjectedPercent;
  private final DiscoveryObserver observer;
  private final String backend;
  /** Read only when an instance has failed or is ejected: a selection while all are fine never looks at it. */
  private final Ticker ticker;
  private final ConcurrentMap<String, ServiceQuery> queriesByName = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, OutlierState> outliers = new ConcurrentHashMap<>();

  private ServiceSelector(Builder builder) {
    this.discovery = builder.discovery;
    this.balancer = builder.balancer;
    this.failuresToEject = builder.failuresToEject;
    this.ejectionNanos = builder.ejectionTime.toNanos();
    this.maxEjectedPercent = builder.maxEjectedPercent;
    this.observer = builder.observer;
    this.ticker = builder.ticker;
    this.backend = builder.discovery instanceof CachingDiscovery
        ? ((CachingDiscovery) builder.discovery).backendName()
        : builder.discovery.getClass().getSimpleName();
  }

  /** Starts building a selector over {@code discovery}, with round robin and outlier ejection by default. */
  public static Builder builder(ServiceDiscovery discovery) {
    return new Builder(discovery);
  }

  /** The instance to call next for the passing instances of {@code service}. */
  public ServiceInstance next(String service) {
    ServiceQuery query = queriesByName.get(service);
    if (query == null) {
      query = queriesByName.computeIfAbsent(service, ServiceQuery::of);
    }
    return next(query);
  }

  /**
   * The instance to call next for {@code query}.
   *
   * @throws NoHealthyInstanceException if the service has no healthy instance
   * @throws dev.discovery.RegistryUnavailableException if the registry is down and the cache too stale
   */
  public ServiceInstance next(ServiceQuery query) {
    List<ServiceInstance> instances = discovery.instances(query);
    if (instances.isEmpty()) {
      observer.noInstance(query, backend);
      throw new NoHealthyInstanceException(query, describe(discovery));
    }
    OutlierState outlier = outliers.get(query.service());
    ServiceInstance chosen = outlier == null || !outlier.anyEjected()
        ? balancer.choose(query, instances)
        : chooseAvoidingEjected(query, instances, outlier);
    balancer.onStart(chosen);
    return chosen;
  }

  private ServiceInstance chooseAvoidingEjected(
      ServiceQuery query, List<ServiceInstance> instances, OutlierState outlier) {
    long now = ticker.read();
    int ejected = outlier.countEjected(instances, now);
    boolean panic = ejected * 100 > maxEjectedPercent * instances.size();
    if (outlier.panic(panic)) {
      LOG.warn("{} of {} instances of {} are ejected, more than the {}% allowed; using all of them again"
          + " (panic mode)", ejected, instances.size(), query, maxEjectedPercent);
      observer.panicStarted(query, backend, ejected, instances.size());
    } else if (!panic && ejected > 0 && LOG.isDebugEnabled()) {
      LOG.debug("{}: {} of {} instances ejected", query, ejected, instances.size());
    }
    if (ejected == 0 || panic) {
      return balancer.choose(query, instances); // nothing to avoid, or panic: use them all
    }
    // Ask the balancer again until it offers a usable instance; the bound keeps a bad balancer from looping.
    for (int attempt = 0; attempt < instances.size() * 2; attempt++) {
      ServiceInstance candidate = balancer.choose(query, instances);
      if (!outlier.isEjected(candidate, now)) {
        return candidate;
      }
    }
    for (ServiceInstance candidate : instances) {
      if (!outlier.isEjected(candidate, now)) {
        return candidate;
      }
    }
    return balancer.choose(query, instances);
  }

  /** Reports how the call to an instance returned by {@link #next} went. */
  public void report(ServiceInstance instance, Outcome outcome) {
    balancer.onComplete(instance, outcome);
    OutlierState outlier = outliers.get(instance.service());
    if (outlier == null) {
      if (outcome == Outcome.SUCCESS) {
        return; // nothing to reset
      }
      outlier = outliers.computeIfAbsent(instance.service(), s -> new OutlierState(ticker));
    }
    if (outlier.record(instance, outcome, failuresToEject, ejectionNanos, ticker.read())) {
      Duration duration = Duration.ofNanos(ejectionNanos);
      String where = instance.id().equals(instance.address())
          ? instance.id() : instance.id() + " at " + instance.address();
      LOG.info("ejected instance {} of service '{}' for {} ms after {} consecutive failures",
          where, instance.service(), duration.toMillis(),
          failuresToEject);
      observer.instanceEjected(instance.service(), backend, instance, duration);
    }
  }

  /** Whether {@code instance} is currently ejected after consecutive failures. */
  public boolean isEjected(ServiceInstance instance) {
    OutlierState outlier = outliers.get(instance.service());
    return outlier != null && outlier.isEjected(instance, ticker.read());
  }

  private static String describe(ServiceDiscovery discovery) {
    return discovery instanceof CachingDiscovery
        ? ((CachingDiscovery) discovery).backendDescription()
        : discovery.getClass().getSimpleName();
  }

  /** Configures a {@link ServiceSelector}. */
  public static final class Builder {
    private final ServiceDiscovery discovery;
    private LoadBalancer balancer = LoadBalancers.roundRobin();
    private int failuresToEject = 5;
    private Duration ejectionTime = Duration.ofSeconds(30);
    private int maxEjectedPercent = 50;
    private DiscoveryObserver observer = DiscoveryObserver.NONE;
    private Ticker ticker = Ticker.system();

    private Builder(ServiceDiscovery discovery) {
      this.discovery = Objects.requireNonNull(discovery, "discovery");
    }

    /** The load-balancing strategy; {@link LoadBalancers#roundRobin()} by default. */
    public Builder balancer(LoadBalancer balancer) {
      this.balancer = Objects.requireNonNull(balancer, "balancer");
      return this;
    }

    /** Consecutive failures that eject an instance; 5 by default, {@code 0} turns ejection off. */
    public Builder failuresToEject(int failures) {
      if (failures < 0) {
        throw new IllegalArgumentException("failuresToEject must be 0 (off) or more, was " + failures);
      }
      this.failuresToEject = failures;
      return this;
    }

    /** How long an ejected instance is left out; 30 s by default. */
    public Builder ejectionTime(Duration ejectionTime) {
      this.ejectionTime = Checks.requirePositive(ejectionTime, "ejectionTime");
      return this;
    }

    /**
     * The largest share of a service's instances that may be ejected at once, in percent (50 by default);
     * beyond it, every instance is used again (the panic threshold).
     */
    public Builder maxEjectedPercent(int percent) {
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("maxEjectedPercent must be within 0..100, was " + percent);
      }
      this.maxEjectedPercent = percent;
      return this;
    }

    /**
     * Hears ejections, panic mode and selections that found no instance, for metrics (see
     * {@code discovery-micrometer}). Default {@link DiscoveryObserver#NONE}.
     */
    public Builder observer(DiscoveryObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * The clock on which ejection cool-downs are measured. Default {@link Ticker#system()}; tests pass one
     * they advance by hand.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Builds the selector. */
    public ServiceSelector build() {
      return new ServiceSelector(this);
    }
  }
}
