package dev.discovery.cache;

import dev.discovery.internal.Checks;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.DiscoveryObserver;
import dev.discovery.spi.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
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
 *       stop being watched and are forgotten (or, {@linkplain Builder#forgetOnLastUnsubscribe opt-in}, as soon
 *       as their last subscriber leaves).</li>
 *   <li>Opt-in, {@linkplain Builder#persistTo each query's last good answer is kept on disk}, so that a process
 *       starting while the registry cannot be reached serves it, as stale and with its real age, until the
 *       registry answers.</li>
 *   <li>A query with {@linkplain ServiceQuery#withFailover fallback datacenters} is answered from the first of them
 *       with enough instances while its own datacenter has too few, for every backend (see
 *       {@code FailoverBackend}); {@link ServiceSnapshot#datacenter()} says which one is served.</li>
 * </ul>
 */
public final class CachingDiscovery implements ServiceDiscovery {
  private final DiscoveryBackend backend;
  final Settings settings;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService notifier;
  /*
   * A plain map, not a cache library: a lookup is one hash-map read plus a flag check, and idle queries are
   * found by a sweep on the refresh thread (see sweep()). An expiring cache would read the clock and update
   * its expiry order on every lookup, which cost the hot path several times more than the lookup itself.
   */
  private final ConcurrentHashMap<ServiceQuery, CachedQuery> queries = new ConcurrentHashMap<>();
  private final Function<ServiceQuery, CachedQuery> newQuery;
  private final long idleNanos;
  /** {@link Builder#forgetOnLastUnsubscribe}: forget a query when its last subscriber leaves, not when idle. */
  private final boolean forgetOnLastUnsubscribe;
  private final Ticker ticker;
  private final ScheduledFuture<?> sweeper;
  private volatile boolean closed;

  private CachingDiscovery(Builder builder) {
    this.backend = builder.backend;
    this.settings = new Settings(
        builder.refreshInterval, builder.maxStaleness, builder.loadTimeout, builder.errorBackoff,
        backend.describe(), backend.name(), builder.ticker, builder.persistence(backend));
    this.ticker = builder.ticker;
    this.scheduler = builder.scheduler != null
        ? builder.scheduler : Executors.newSingleThreadScheduledExecutor(daemon("discovery-refresh"));
    this.notifier = Executors.newSingleThreadExecutor(daemon("discovery-notify"));
    this.idleNanos = builder.idleTimeout.toNanos();
    this.forgetOnLastUnsubscribe = builder.forgetOnLastUnsubscribe;
    DiscoveryObserver observer = builder.observer;
    backend.observe(observer);
    // Queries with fallback datacenters go through the client-side failover; every other query straight to the backend.
    FailoverBackend failover = new FailoverBackend(backend, this.settings, scheduler);
    this.newQuery = q -> new CachedQuery(q, q.failover().isEmpty() ? backend : failover, this.settings, scheduler,
        notifier, observer);
    // A query is forgotten between one and two sweep periods after the idle time has passed.
    long sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(idleNanos / 4, TimeUnit.SECONDS.toNanos(30)));
    this.sweeper = scheduler.scheduleWithFixedDelay(this::sweep, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
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
    if (forgetOnLastUnsubscribe) {
      // Under the lock forget() takes: a query is never forgotten between finding it and subscribing to it.
      synchronized (this) {
        CachedQuery entry = entry(query);
        return entry.subscribe(onChange, () -> forget(query, entry));
      }
    }
    CachedQuery entry = entry(query);
    // While subscribed the query never goes idle; after the last unsubscribe its idle time starts afresh.
    return entry.subscribe(onChange, entry::touch);
  }

  /** Forgets {@code entry} and stops its watch unless someone subscribed again meanwhile. */
  private synchronized void forget(ServiceQuery query, CachedQuery entry) {
    if (!entry.hasSubscribers() && queries.remove(query, entry)) {
      entry.close();
    }
  }

  /**
   * A direct view of one cached query, for callers that read it on every call ({@link
   * dev.discovery.balance.ServiceSelector}'s handles): no map lookup per read, and {@code onChange} runs after
   * every change of the cached answer (a new answer, a failed refresh, a recovery) and when the query stops
   * being watched. It runs on the cache's refresh thread, so it must be quick.
   *
   * <p>A view does not keep its query watched by itself: each {@link QueryView#instances()} or
   * {@link QueryView#hit()} marks the query as used, as a lookup does. After the query has gone idle and
   * been forgotten, the view reports {@link QueryView#isClosed()} and the caller asks for a new one.
   *
   * @throws IllegalStateException if this discovery is closed
   */
  public QueryView view(ServiceQuery query, Runnable onChange) {
    Objects.requireNonNull(onChange, "onChange");
    CachedQuery entry = entry(query);
    entry.addStateListener(onChange);
    return new QueryView(entry, onChange);
  }

  /** How many queries are currently cached and kept fresh (forgetting idle ones first). */
  public long watchedQueries() {
    sweep();
    return queries.size();
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
    CachedQuery entry = queries.get(query);
    if (entry == null) {
      entry = queries.computeIfAbsent(query, newQuery);
    }
    entry.touch();
    entry.startOnce();
    return entry;
  }

  /** Forgets the queries that nobody has looked up or subscribed to for the idle time, and stops their watches. */
  private synchronized void sweep() {
    long now = ticker.read();
    for (Map.Entry<ServiceQuery, CachedQuery> e : queries.entrySet()) {
      CachedQuery entry = e.getValue();
      if (entry.idleFor(now) > idleNanos && !entry.hasSubscribers() && queries.remove(e.getKey(), entry)) {
        entry.close();
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    sweeper.cancel(false);
    for (CachedQuery entry : queries.values()) {
      entry.close();
    }
    queries.clear();
    scheduler.shutdownNow();
    notifier.shutdown();
    settings.persistence().close();
    backend.close();
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread t = new Thread(runnable, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Configures a {@link CachingDiscovery}; every setting has a default that suits most applications. */
  public static final class Builder {
    private final DiscoveryBackend backend;
    private Duration refreshInterval = Duration.ofSeconds(5);
    private Duration maxStaleness = Duration.ofMinutes(10);
    private Duration idleTimeout = Duration.ofMinutes(15);
    private boolean forgetOnLastUnsubscribe;
    private Duration loadTimeout = Duration.ofSeconds(10);
    private Duration errorBackoff = Duration.ofMillis(500);
    private DiscoveryObserver observer = DiscoveryObserver.NONE;
    private Ticker ticker = Ticker.system();
    private ScheduledExecutorService scheduler;
    private Path persistTo;
    private Duration maxDiskStaleness;
    private Clock clock = Clock.systemUTC();

    private Builder(DiscoveryBackend backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
    }

    /** How often a backend that cannot watch is asked again when its answer has no TTL. Default 5 s. */
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval = Checks.requirePositive(interval, "refreshInterval");
      return this;
    }

    /**
     * How old the last good answer may grow while the registry is failing before lookups throw instead of
     * serving it. Default 10 minutes.
     */
    public Builder maxStaleness(Duration maxStaleness) {
      this.maxStaleness = Checks.requirePositive(maxStaleness, "maxStaleness");
      return this;
    }

    /** After how long without lookups or subscribers a query stops being kept fresh. Default 15 minutes. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Checks.requirePositive(idleTimeout, "idleTimeout");
      return this;
    }

    /**
     * Whether a query stops being watched, and is forgotten, as soon as its last {@linkplain
     * CachingDiscovery#subscribe subscriber} unsubscribes, instead of after the {@link #idleTimeout}. Default
     * {@code false}.
     *
     * <p>For discoveries that serve subscribers only, such as those {@code discovery-grpc} builds for its channels:
     * a closed channel then leaves no watch behind. Lookups still work, but a query that lookups and subscribers
     * share is forgotten with its last subscriber even if lookups keep using it; the next lookup loads it afresh
     * (one request to the registry, and a {@link QueryView} over it reports {@link QueryView#isClosed()}). Queries
     * that were only ever looked up go idle as before.
     */
    public Builder forgetOnLastUnsubscribe(boolean forget) {
      this.forgetOnLastUnsubscribe = forget;
      return this;
    }

    /** How long the first lookup of a query waits for its first answer. Default 10 s. */
    public Builder loadTimeout(Duration loadTimeout) {
      this.loadTimeout = Checks.requirePositive(loadTimeout, "loadTimeout");
      return this;
    }

    /**
     * The first retry delay after a failed interval refresh; it doubles per failure, with jitter, up to the
     * refresh interval. Default 500 ms. (Watching backends back off on their own.)
     */
    public Builder errorBackoff(Duration errorBackoff) {
      this.errorBackoff = Checks.requirePositive(errorBackoff, "errorBackoff");
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

    /**
     * The clock on which the age of an answer (for {@link #maxStaleness}) and the idle time of a query (for
     * {@link #idleTimeout}) are measured. Default {@link Ticker#system()}; tests pass one they advance by hand.
     * Refresh intervals and back-off delays are scheduled in real time whatever the ticker says.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * For tests in this package only: the scheduler that runs interval refreshes, back-off retries and the
     * idle sweep, instead of the discovery's own thread, so that a fake one can run them on a fake clock.
     * The discovery shuts it down on close, as it would its own.
     */
    Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Opt-in: keeps each query's last good answer in a file under {@code directory} (created if missing), so that
     * a process starting while the registry cannot be reached can serve what it knew before. Off by default.
     *
     * <ul>
     *   <li>An answer is written when it changes (and an unchanged one again when its file's confirmation is a
     *       quarter of {@link #maxDiskStaleness} old), on the cache's own thread, atomically: a temporary file in
     *       the same directory, forced to disk, renamed over the query's file. One file per query, named by a digest
     *       of the query's every field and of the {@linkplain DiscoveryBackend#identity() backend's identity}, so
     *       several backends, clusters or applications may share a directory.</li>
     *   <li>When the first load of a query fails because the registry cannot be reached (not when it rejects the
     *       query: a bad filter or a refused token fail as before), the file is read back and served as a stale
     *       answer with its real age ({@link ServiceSnapshot#fromDisk()}), never older than
     *       {@link #maxDiskStaleness}; the query keeps being watched, and the registry's first answer replaces it.
     *       Subscribers get the answer from disk first, then the live one if it differs.</li>
     *   <li>A file that is corrupt, truncated, of another format version or for another query is ignored with one
     *       WARN; a directory that cannot be written is one WARN; neither fails a lookup.</li>
     * </ul>
     *
     * <p>Nothing secret is written: instances and the backend's identity carry no token. A persisted answer may
     * name instances that have gone since: outlier ejection and the call policy's retry on another instance
     * handle them as they handle any instance that fails.
     */
    public Builder persistTo(Path directory) {
      this.persistTo = Objects.requireNonNull(directory, "persistTo directory");
      return this;
    }

    /**
     * How old an answer read back from disk ({@link #persistTo}) may be, when read and while served, before lookups
     * throw instead. Default: the {@link #maxStaleness}, because an answer from disk is no more trustworthy than
     * one kept in memory for as long; raise it to ride out restarts during longer outages.
     */
    public Builder maxDiskStaleness(Duration maxDiskStaleness) {
      this.maxDiskStaleness = Checks.requirePositive(maxDiskStaleness, "maxDiskStaleness");
      return this;
    }

    /**
     * The wall clock on which persisted answers' confirmation times are written and, after a restart, their age is
     * measured ({@link #ticker} cannot: its readings mean nothing across processes). Default
     * {@link Clock#systemUTC()}; tests pass a fixed or offset one.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    private Persistence persistence(DiscoveryBackend backend) {
      if (persistTo == null) {
        return Persistence.OFF;
      }
      Duration bound = maxDiskStaleness != null ? maxDiskStaleness : maxStaleness;
      return Persistence.to(new SnapshotStore(persistTo, backend.identity()), clock, bound);
    }

    /** Builds the discovery; it owns the backend and closes it on {@link CachingDiscovery#close()}. */
    public CachingDiscovery build() {
      return new CachingDiscovery(this);
    }
  }
}
