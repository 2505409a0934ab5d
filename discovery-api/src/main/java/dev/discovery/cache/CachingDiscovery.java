package dev.discovery.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.DiscoveryObserver;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The caching engine every backend shares: turns a {@link DiscoveryBackend} into a {@link ServiceDiscovery}
 * whose lookups are memory reads.
 *
 * <ul>
 *   <li>The first lookup of a query starts one load, shared by every concurrent caller; later lookups do no
 *       I/O and allocate nothing.</li>
 *   <li>Backends that can watch push every change into the cache; others are refreshed on an interval (or
 *       the answer's TTL when the registry gave a positive one).</li>
 *   <li>A failed refresh, or an answer that fails validation, keeps the last good answer until
 *       {@linkplain Builder#maxStaleness the maximum staleness}; then lookups throw
 *       {@link dev.discovery.RegistryUnavailableException}.</li>
 *   <li>Queries nobody has looked up or subscribed to for {@linkplain Builder#idleTimeout the idle time}
 *       stop being watched and are forgotten.</li>
 * </ul>
 */
public final class CachingDiscovery implements ServiceDiscovery {
  private final DiscoveryBackend backend;
  final Settings settings;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService notifier;
  private final Cache<ServiceQuery, CachedQuery> queries;
  private final Function<ServiceQuery, CachedQuery> newQuery;
  private final Duration idleTimeout;
  private volatile boolean closed;

  private CachingDiscovery(Builder builder) {
    this.backend = builder.backend;
    this.settings = new Settings(
        builder.refreshInterval, builder.maxStaleness, builder.loadTimeout, builder.errorBackoff,
        backend.describe(), backend.name());
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("discovery-refresh"));
    this.notifier = Executors.newSingleThreadExecutor(daemon("discovery-notify"));
    this.idleTimeout = builder.idleTimeout;
    long idleNanos = idleTimeout.toNanos();
    this.queries = Caffeine.newBuilder()
        .expireAfter(new IdleExpiry(idleNanos))
        // Maintenance runs on the calling thread: handing it to a pool would allocate on the hot path.
        .executor(Runnable::run)
        .scheduler(Scheduler.forScheduledExecutorService(scheduler))
        .removalListener((ServiceQuery q, CachedQuery c, RemovalCause cause) -> {
          if (c != null) {
            c.close();
          }
        })
        .build();
    DiscoveryObserver observer = builder.observer;
    this.newQuery = q -> new CachedQuery(q, backend, this.settings, scheduler, notifier, observer);
  }

  /** Starts building a cache over {@code backend}. */
  public static Builder builder(DiscoveryBackend backend) {
    return new Builder(backend);
  }

  @Override
  public List<ServiceInstance> instances(ServiceQuery query) {
    return entry(query).read();
  }

  @Override
  public CompletableFuture<List<ServiceInstance>> instancesAsync(ServiceQuery query) {
    return entry(query).readAsync();
  }

  @Override
  public ServiceSnapshot snapshot(ServiceQuery query) {
    return entry(query).snapshot();
  }

  @Override
  public Subscription subscribe(ServiceQuery query, Consumer<List<ServiceInstance>> onChange) {
    Objects.requireNonNull(onChange, "onChange");
    CachedQuery entry = entry(query);
    Subscription subscription = entry.subscribe(onChange, () -> {
      // Back to idle expiry once nobody listens; lookups keep it alive from here as usual.
      queries.policy().expireVariably()
          .ifPresent(p -> p.setExpiresAfter(query, idleTimeout));
    });
    // The entry now has a subscriber: re-read it so that its expiry becomes "never".
    queries.getIfPresent(query);
    return subscription;
  }

  /** How many queries are currently cached and kept fresh. */
  public long watchedQueries() {
    queries.cleanUp();
    return queries.estimatedSize();
  }

  /** The backend's description, as used in messages. */
  public String backendDescription() {
    return settings.backend();
  }

  /** The backend's {@linkplain DiscoveryBackend#name() name}, as used in metrics tags. */
  public String backendName() {
    return settings.backendName();
  }

  private CachedQuery entry(ServiceQuery query) {
    if (closed) {
      throw new IllegalStateException("service discovery over " + settings.backend() + " is closed");
    }
    CachedQuery entry = queries.get(query, newQuery);
    entry.startOnce();
    return entry;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queries.invalidateAll();
    queries.cleanUp();
    scheduler.shutdownNow();
    notifier.shutdown();
    backend.close();
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread t = new Thread(runnable, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Subscribed queries never expire; others expire after the idle time since their last lookup. */
  private static final class IdleExpiry implements Expiry<ServiceQuery, CachedQuery> {
    private final long idleNanos;

    IdleExpiry(long idleNanos) {
      this.idleNanos = idleNanos;
    }

    private long idle(CachedQuery entry) {
      return entry.hasSubscribers() ? Long.MAX_VALUE : idleNanos;
    }

    @Override
    public long expireAfterCreate(ServiceQuery key, CachedQuery value, long currentTime) {
      return idle(value);
    }

    @Override
    public long expireAfterUpdate(ServiceQuery key, CachedQuery value, long currentTime, long currentDuration) {
      return idle(value);
    }

    @Override
    public long expireAfterRead(ServiceQuery key, CachedQuery value, long currentTime, long currentDuration) {
      return idle(value);
    }
  }

  /** Configures a {@link CachingDiscovery}; every setting has a default that suits most applications. */
  public static final class Builder {
    private final DiscoveryBackend backend;
    private Duration refreshInterval = Duration.ofSeconds(5);
    private Duration maxStaleness = Duration.ofMinutes(10);
    private Duration idleTimeout = Duration.ofMinutes(15);
    private Duration loadTimeout = Duration.ofSeconds(10);
    private Duration errorBackoff = Duration.ofMillis(500);
    private DiscoveryObserver observer = DiscoveryObserver.NONE;

    private Builder(DiscoveryBackend backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
    }

    /** How often a backend that cannot watch is asked again when its answer has no TTL. Default 5 s. */
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval = positive(interval, "refreshInterval");
      return this;
    }

    /**
     * How old the last good answer may grow while the registry is failing before lookups throw instead of
     * serving it. Default 10 minutes.
     */
    public Builder maxStaleness(Duration maxStaleness) {
      this.maxStaleness = positive(maxStaleness, "maxStaleness");
      return this;
    }

    /** After how long without lookups or subscribers a query stops being kept fresh. Default 15 minutes. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = positive(idleTimeout, "idleTimeout");
      return this;
    }

    /** How long the first lookup of a query waits for its first answer. Default 10 s. */
    public Builder loadTimeout(Duration loadTimeout) {
      this.loadTimeout = positive(loadTimeout, "loadTimeout");
      return this;
    }

    /**
     * The first retry delay after a failed interval refresh; it doubles per failure, with jitter, up to the
     * refresh interval. Default 500 ms. (Watching backends back off on their own.)
     */
    public Builder errorBackoff(Duration errorBackoff) {
      this.errorBackoff = positive(errorBackoff, "errorBackoff");
      return this;
    }

    /**
     * Hears lookups, refreshes, failures and back-off of every cached query, for metrics (see
     * {@code discovery-micrometer}). Default {@link DiscoveryObserver#NONE}.
     */
    public Builder observer(DiscoveryObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** Builds the discovery; it owns the backend and closes it on {@link CachingDiscovery#close()}. */
    public CachingDiscovery build() {
      return new CachingDiscovery(this);
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be a positive duration, was " + d);
      }
      return d;
    }
  }
}
