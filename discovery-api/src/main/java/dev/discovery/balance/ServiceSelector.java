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
 * <p>For the cheapest pick, hold a {@linkplain #forService handle} per service: {@code next("web")} costs one
 * map lookup more than {@code handle.next()}, which costs no lookup at all.
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
  /** The caller's zone and where instances' zones are read, or both {@code null}: no zones. */
  private final String callerZone;
  private final ZoneKey zoneKey;
  private final long zoneMemoryNanos;
  private final DiscoveryObserver observer;
  private final String backend;
  /** Read when a handle rebuilds its snapshot and while an instance is ejected; never by a pick while all are fine. */
  private final Ticker ticker;
  /** Name to handle, for {@link #next(String)}: its one map lookup. */
  private final ConcurrentMap<String, ServiceHandle> byName = new ConcurrentHashMap<>();
  private final ConcurrentMap<ServiceQuery, ServiceHandle> handles = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, OutlierState> outliers = new ConcurrentHashMap<>();

  private ServiceSelector(Builder builder) {
    this.discovery = builder.discovery;
    this.balancer = builder.balancer;
    this.failuresToEject = builder.failuresToEject;
    this.ejectionNanos = builder.ejectionTime.toNanos();
    this.maxEjectedPercent = builder.maxEjectedPercent;
    this.observer = builder.observer;
    this.ticker = builder.ticker;
    this.callerZone = builder.callerZone;
    this.zoneKey = builder.zoneKey;
    this.zoneMemoryNanos = builder.zoneMemory.toNanos();
    this.backend = builder.discovery instanceof CachingDiscovery
        ? ((CachingDiscovery) builder.discovery).backendName()
        : builder.discovery.getClass().getSimpleName();
  }

  /** Starts building a selector over {@code discovery}, with round robin and outlier ejection by default. */
  public static Builder builder(ServiceDiscovery discovery) {
    return new Builder(discovery);
  }

  /**
   * The handle of the passing instances of {@code service}: keep it and call {@link ServiceHandle#next()}
   * per request, which skips even the one map lookup {@link #next(String)} does. The same handle every time.
   */
  public ServiceHandle forService(String service) {
    ServiceHandle handle = byName.get(service);
    if (handle == null) {
      handle = byName.computeIfAbsent(service, s -> forQuery(ServiceQuery.of(s)));
    }
    return handle;
  }

  /** The handle of {@code query} (see {@link #forService}); the same handle for equal queries. */
  public ServiceHandle forQuery(ServiceQuery query) {
    ServiceHandle handle = handles.get(query);
    if (handle == null) {
      handle = handles.computeIfAbsent(query, q -> {
        OutlierState outlier = outliers.computeIfAbsent(q.service(), s -> new OutlierState(ticker));
        ServiceHandle created = new ServiceHandle(this, q, outlier, balancer);
        outlier.addListener(created::changed);
        return created;
      });
    }
    return handle;
  }

  /**
   * The instance to call next for the passing instances of {@code service}: one map lookup (name to
   * {@linkplain #forService handle}), then the handle's pick.
   */
  public ServiceInstance next(String service) {
    return forService(service).next();
  }

  /**
   * The instance to call next for {@code query}: one map lookup (query to {@linkplain #forQuery handle}),
   * then the handle's pick.
   *
   * @throws NoHealthyInstanceException if the service has no healthy instance
   * @throws dev.discovery.RegistryUnavailableException if the registry is down and the cache too stale
   */
  public ServiceInstance next(ServiceQuery query) {
    return forQuery(query).next();
  }

  // ---- what handles ask of their selector, off the hot path ----

  /** The current instances for a handle's slow path, with every rule of the discovery's lookups. */
  List<ServiceInstance> lookup(ServiceHandle handle) {
    ServiceQuery query = handle.query();
    if (discovery instanceof CachingDiscovery) {
      CachingDiscovery cache = (CachingDiscovery) discovery;
      return handle.view(() -> cache.view(query, handle::changed)).instances();
    }
    return discovery.instances(query); // any other discovery: ask it on each slow pick
  }

  NoHealthyInstanceException noInstance(ServiceQuery query) {
    observer.noInstance(query, backend);
    return new NoHealthyInstanceException(query, describe(discovery));
  }

  long now() {
    return ticker.read();
  }

  String callerZone() {
    return callerZone;
  }

  ZoneKey zoneKey() {
    return zoneKey;
  }

  long zoneMemoryNanos() {
    return zoneMemoryNanos;
  }

  /** Whether {@code ejected} of a zone level's {@code size} instances are too many: then the level uses them all. */
  boolean levelPanics(int ejected, int size) {
    return ejected * 100 > maxEjectedPercent * size;
  }

  /**
   * Whether {@code ejected} of {@code size} instances puts the service in panic mode (use every instance);
   * logs once per episode. Called when a handle rebuilds its snapshot, not per pick.
   */
  boolean panic(ServiceQuery query, OutlierState outlier, int ejected, int size) {
    boolean panic = ejected * 100 > maxEjectedPercent * size;
    if (outlier.panic(panic)) {
      LOG.warn("{} of {} instances of {} are ejected, more than the {}% allowed; using all of them again"
          + " (panic mode)", ejected, size, query, maxEjectedPercent);
      observer.panicStarted(query, backend, ejected, size);
    } else if (!panic && ejected > 0 && LOG.isDebugEnabled()) {
      LOG.debug("{}: {} of {} instances ejected", query, ejected, size);
    }
    return panic;
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
      outlier.ejectionsChanged(); // the service's handles leave the instance out from now on
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
    private String callerZone;
    private ZoneKey zoneKey;
    private Duration zoneMemory = Duration.ofMinutes(5);

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

    /**
     * Sends picks to the caller's own zone first, reading each instance's zone with {@code key}: every pick stays
     * in {@code callerZone} while at least about 71 % of its instances are available, and below that the picks
     * spill over to the other zones in proportion (Envoy's zone-aware routing with its overprovisioning factor
     * of 1.4, see {@code ZoneSplit}). Ejection and the panic threshold apply within each of the two levels (the
     * caller's zone, the rest). Off by default.
     */
    public Builder zone(String callerZone, ZoneKey key) {
      if (callerZone == null || callerZone.isBlank()) {
        throw new IllegalArgumentException("the caller's zone must not be blank (for example zone(\"eu-west-1a\","
            + " ZoneKey.serviceMeta(\"zone\")))");
      }
      this.callerZone = callerZone;
      this.zoneKey = Objects.requireNonNull(key, "zone key");
      return this;
    }

    /**
     * How long the most instances the caller's zone has had counts as its full size (5 minutes by default): an
     * instance whose checks fail leaves Consul's answer, and the zone counts as short of it for this long. A zone
     * scaled down on purpose spills over for this long, then its new size is its full size.
     */
    public Builder zoneMemory(Duration memory) {
      this.zoneMemory = Checks.requirePositive(memory, "zoneMemory");
      return this;
    }

    /** Builds the selector. */
    public ServiceSelector build() {
      return new ServiceSelector(this);
    }
  }
}
