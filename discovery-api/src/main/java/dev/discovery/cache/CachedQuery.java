package dev.discovery.cache;

import dev.discovery.DiscoveryException;
import dev.discovery.InvalidQueryException;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.DiscoveryObserver;
import dev.discovery.spi.DiscoveryObserver.Lookup;
import dev.discovery.spi.DiscoveryObserver.QueryObserver;
import dev.discovery.spi.Ticker;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cached query: its current answer, how it is kept fresh (a backend watch or interval refreshes), and
 * its subscribers. The answer lives in one immutable {@link State} swapped atomically, so a lookup is a
 * single volatile read.
 *
 * <p>Logging: losing the registry is one WARN (when the first refresh fails, not per retry), getting it back
 * one INFO; failures in between go to DEBUG.
 */
final class CachedQuery implements WatchListener, DiscoveryObserver.QueryState {
  private static final Logger LOG = LoggerFactory.getLogger(CachedQuery.class);

  /**
   * What is known: the last good instances ({@code null} before the first), when the registry last confirmed
   * them, the failure since then, if any, and whether the instances were read back from a persisted copy (then
   * {@code error} is set: the registry has not answered since start-up).
   */
  private record State(List<ServiceInstance> instances, long goodAtNanos, Throwable error, boolean fromDisk) {
    static final State EMPTY = new State(null, 0, null, false);
  }

  private final ServiceQuery query;
  private final DiscoveryBackend backend;
  private final Settings settings;
  /** Off the hot path: read only for a stale answer's age, a new answer's time and the idle sweep. */
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final Executor notifier;
  private final AtomicBoolean started = new AtomicBoolean();
  private final CompletableFuture<List<ServiceInstance>> firstLoad = new CompletableFuture<>();
  private final List<Consumer<List<ServiceInstance>>> subscribers = new CopyOnWriteArrayList<>();
  /**
   * Told after every change of {@link #state} and on close, outside this query's lock (a listener may take
   * its own lock and call back into the cache). They read the state themselves, so calls that race still
   * leave each listener with the latest state.
   */
  private final List<Runnable> stateListeners = new CopyOnWriteArrayList<>();
  private volatile State state = State.EMPTY;
  /** The datacenter of the last good answer when it said one (a failover, a prepared query), else null. */
  private volatile String answeredDatacenter;
  private volatile boolean closed;
  /** Set by every lookup, cleared by the idle sweep: cheaper on the hot path than reading the clock. */
  private volatile boolean touched = true;
  /** When the idle sweep last saw {@link #touched} set; read and written by the sweep only. */
  private long lastSeenNanos;
  private Watch watch;
  private ScheduledFuture<?> nextRefresh;
  private int consecutiveFailures;
  private final QueryObserver observer;
  /** Persisted answers: whether the file was asked for (once, on the first failure), and is being read now. */
  private boolean diskTried;
  private boolean diskPending;
  /** When this process last had the answer written (wall-clock ms), {@code Long.MIN_VALUE} before it did. */
  private long savedAtMillis = Long.MIN_VALUE;

  CachedQuery(ServiceQuery query, DiscoveryBackend backend, Settings settings,
      ScheduledExecutorService scheduler, Executor notifier, DiscoveryObserver observer) {
    this.query = query;
    this.backend = backend;
    this.settings = settings;
    this.scheduler = scheduler;
    this.notifier = notifier;
    this.ticker = settings.ticker();
    this.lastSeenNanos = ticker.read();
    // Last: the observer may start reading this query's state (as a QueryState) right away.
    this.observer = observer.queryStarted(this);
  }

  /** Marks the query as in use; a lookup calls this, so it writes only when the flag was cleared. */
  void touch() {
    if (!touched) {
      touched = true;
    }
  }

  /** Looked up since the idle sweep last looked (sweeps run every 30 s at most): for the backend's ranking. */
  @Override
  public boolean recentlyUsed() {
    return touched;
  }

  /** For the idle sweep only: how long since the query was last used, as far as sweeps can tell. */
  long idleFor(long nowNanos) {
    if (touched) {
      touched = false;
      lastSeenNanos = nowNanos;
      return 0;
    }
    return nowNanos - lastSeenNanos;
  }

  /** Starts keeping this query fresh; only the first caller's call does anything. */
  void startOnce() {
    if (started.get() || !started.compareAndSet(false, true)) {
      return;
    }
    try {
      if (backend.supportsWatch(query)) {
        Watch w = backend.watch(query, this);
        synchronized (this) {
          watch = w;
          if (closed) {
            w.close();
          }
        }
      } else {
        refresh();
      }
    } catch (RuntimeException e) {
      onError(e);
    }
  }

  // ---- the hot path ----

  /**
   * The answer a pick may use with no further check (loaded, confirmed by the last refresh, still watched),
   * or {@code null} when a full {@link #read} is needed. Counts nothing.
   */
  List<ServiceInstance> freshOrNull() {
    State s = state;
    return closed || s.error != null ? null : s.instances;
  }

  /** Counts a lookup that was served from {@link #freshOrNull} without calling {@link #read}. */
  void countHit() {
    observer.lookup(Lookup.HIT);
  }

  boolean isClosed() {
    return closed;
  }

  void addStateListener(Runnable listener) {
    stateListeners.add(listener);
  }

  void removeStateListener(Runnable listener) {
    stateListeners.remove(listener);
  }

  private void stateChanged() {
    for (Runnable listener : stateListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.warn("a state listener of {} threw", query, e);
      }
    }
  }

  List<ServiceInstance> read() {
    State s = state;
    if (s.error == null && s.instances != null) {
      observer.lookup(Lookup.HIT);
      return s.instances;
    }
    return readSlow(s);
  }

  private List<ServiceInstance> readSlow(State s) {
    if (s.instances == null) {
      return awaitFirstLoad();
    }
    long ageNanos = ticker.read() - s.goodAtNanos;
    Duration bound = s.fromDisk ? settings.persistence().maxStaleness() : settings.maxStaleness();
    if (ageNanos > bound.toNanos()) {
      observer.lookup(Lookup.FAIL);
      throw unavailable(Duration.ofNanos(ageNanos), s.error);
    }
    observer.lookup(s.error == null ? Lookup.HIT : Lookup.STALE);
    return s.instances;
  }

  private List<ServiceInstance> awaitFirstLoad() {
    try {
      List<ServiceInstance> loaded = firstLoad.get(settings.loadTimeout().toNanos(), TimeUnit.NANOSECONDS);
      observer.lookup(Lookup.LOAD);
      return loaded;
    } catch (TimeoutException e) {
      observer.lookup(Lookup.FAIL);
      throw unavailable(null, new TimeoutException(
          "no answer within the load time-out of " + settings.loadTimeout().toMillis() + " ms"));
    } catch (ExecutionException e) {
      State s = state;
      if (s.instances != null) {
        return read(); // a later refresh succeeded meanwhile
      }
      observer.lookup(Lookup.FAIL);
      throw unavailable(null, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      observer.lookup(Lookup.FAIL);
      throw unavailable(null, e);
    }
  }

  CompletableFuture<List<ServiceInstance>> readAsync() {
    State s = state;
    if (s.instances != null) {
      try {
        return CompletableFuture.completedFuture(read());
      } catch (DiscoveryException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return firstLoad.handle((list, error) -> {
      if (error != null && state.instances == null) {
        observer.lookup(Lookup.FAIL);
        Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
        throw unavailable(null, cause);
      }
      State now = state;
      if (error == null && now.error == null && now.instances != null) {
        observer.lookup(Lookup.LOAD);
        return now.instances;
      }
      return read();
    });
  }

  ServiceSnapshot snapshot() {
    State s = state;
    if (s.instances == null) {
      read(); // waits for the first load, or throws
      s = state;
    }
    Duration age = Duration.ofNanos(ticker.read() - s.goodAtNanos);
    String error = s.error == null ? null : String.valueOf(s.error.getMessage());
    String dc = answeredDatacenter != null ? answeredDatacenter : query.datacenter();
    return new ServiceSnapshot(query, s.instances, age, s.error != null, error, dc, s.fromDisk);
  }

  /**
   * The exception a failed lookup throws. A query the registry rejected (a refused token, a malformed
   * filter) is the caller's to fix, so it surfaces as itself, not as "registry unavailable".
   */
  private DiscoveryException unavailable(Duration staleness, Throwable cause) {
    if (cause instanceof InvalidQueryException) {
      return (InvalidQueryException) cause;
    }
    return new RegistryUnavailableException(query.service(), settings.backend(), staleness, cause);
  }

  // ---- what the backend tells us ----

  @Override
  public void onAnswer(Answer answer) {
    String invalid = validate(answer.instances());
    if (invalid != null) {
      onError(new IllegalStateException(
          settings.backend() + " returned an invalid answer for " + query + ": " + invalid
              + "; keeping the last good answer"));
      return;
    }
    List<ServiceInstance> changed = null;
    List<Consumer<List<ServiceInstance>>> toTell = List.of();
    synchronized (this) {
      if (closed) {
        return;
      }
      State previous = state;
      boolean same = answer.instances().equals(previous.instances);
      int failuresBefore = consecutiveFailures;
      consecutiveFailures = 0;
      // The observer hears first: metrics must never show the new state without its change counted, or a
      // fresh cache still waiting to retry.
      observer.refreshed(!same && previous.instances != null);
      if (failuresBefore > 0) {
        observer.retryDelay(Duration.ZERO);
      }
      state = new State(same ? previous.instances : answer.instances(), ticker.read(), null, false);
      answeredDatacenter = answer.datacenter();
      Persistence persistence = settings.persistence();
      if (persistence.enabled() && (!same || previous.fromDisk || persistence.rewriteDue(savedAtMillis))) {
        savedAtMillis = persistence.save(query, answer.instances());
      }
      if (previous.error != null) {
        LOG.info("{}: {} answers again after {} failed refresh(es); {} instance(s)", query, settings.backend(),
            failuresBefore, answer.instances().size());
      }
      if (!same) {
        changed = answer.instances();
        toTell = List.copyOf(subscribers); // one who subscribes from here on is handed this answer itself
      }
      if (!backend.supportsWatch(query)) {
        Duration next = answer.ttl() != null ? answer.ttl() : settings.refreshInterval();
        schedule(next);
      }
    }
    // The selector's handles first, then the subscribers: a subscriber told of a change must find the picks on
    // it already (one query's answers arrive on one thread at a time, so the subscribers' order is kept).
    stateChanged();
    if (changed != null) {
      synchronized (this) {
        for (Consumer<List<ServiceInstance>> subscriber : toTell) {
          notify(subscriber, changed); // skipped on delivery if it unsubscribed meanwhile
        }
      }
    }
    firstLoad.complete(answer.instances());
  }

  @Override
  public void onError(Throwable error) {
    boolean neverAnswered;
    boolean readDisk = false;
    synchronized (this) {
      if (closed) {
        return;
      }
      State previous = state;
      state = new State(previous.instances, previous.goodAtNanos, error, previous.fromDisk);
      consecutiveFailures++;
      if (previous.error == null) {
        // One line when the registry starts failing, not one per retry, and no stack trace: the cause is
        // outside this process, and the message says what it is.
        LOG.warn("{}: refresh from {} failed ({}); {}", query, settings.backend(),
            describe(error),
            previous.instances == null ? "no answer yet" : "serving the last good answer");
      } else {
        LOG.debug("{}: refresh from {} failed again ({}), {} in a row", query, settings.backend(),
            describe(error), consecutiveFailures);
      }
      observer.refreshFailed(error, consecutiveFailures);
      if (!backend.supportsWatch(query)) {
        Duration delay = backoff();
        observer.retryDelay(delay);
        schedule(delay);
      }
      neverAnswered = previous.instances == null;
      if (neverAnswered && !diskTried && settings.persistence().enabled() && unreachable(error)) {
        diskTried = true;
        diskPending = true;
        readDisk = true;
      }
      if (diskPending) {
        neverAnswered = false; // the first load completes once the file has been read
      }
    }
    stateChanged();
    if (readDisk) {
      settings.persistence().load(query, this::fromDisk);
    } else if (neverAnswered) {
      firstLoad.completeExceptionally(error);
    }
  }

  /**
   * Whether a failure means the registry could not be reached or could not answer, so that a persisted answer
   * may stand in: any failure but a rejected query (a bad filter, a refused token, an unknown datacenter), which
   * the caller must fix and which would fail the same way in a minute. The same line as {@link #unavailable}'s.
   */
  private static boolean unreachable(Throwable error) {
    return !(error instanceof InvalidQueryException);
  }

  /**
   * On the persistence thread: serves the answer read back from disk while the registry has still not answered,
   * or completes the first load with the failure when there is none to serve.
   */
  private void fromDisk(Persistence.Loaded loaded) {
    List<ServiceInstance> served = null;
    Throwable failure;
    synchronized (this) {
      diskPending = false;
      State s = state;
      if (closed || s.instances != null) {
        return; // the registry answered meanwhile (and completed the first load), or nobody needs it any more
      }
      if (loaded != null) {
        String invalid = validate(loaded.instances());
        if (invalid != null) {
          LOG.warn("{}: ignoring the persisted answer {}: {}", query, loaded.file(), invalid);
        } else {
          served = loaded.instances();
          state = new State(served, ticker.read() - loaded.age().toNanos(), s.error, true);
          LOG.warn("{}: {} has not answered yet; serving the answer persisted {} ago ({} instance(s), {}) until"
              + " it does", query, settings.backend(), loaded.age(), served.size(), loaded.file());
          for (Consumer<List<ServiceInstance>> subscriber : subscribers) {
            notify(subscriber, served);
          }
        }
      }
      failure = s.error;
    }
    if (served != null) {
      stateChanged();
      firstLoad.complete(served);
    } else {
      firstLoad.completeExceptionally(failure);
    }
  }

  @Override
  public void onBackoff(Duration delay) {
    if (!closed) {
      observer.retryDelay(delay);
    }
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return message == null ? error.getClass().getSimpleName() : message;
  }

  // ---- what an observer reads ----

  @Override
  public ServiceQuery query() {
    return query;
  }

  @Override
  public String backend() {
    return settings.backendName();
  }

  @Override
  public double stalenessSeconds() {
    State s = state;
    return s.instances == null ? Double.NaN : (ticker.read() - s.goodAtNanos) / 1e9;
  }

  @Override
  public boolean stale() {
    return state.error != null;
  }

  @Override
  public int instances() {
    List<ServiceInstance> instances = state.instances;
    return instances == null ? 0 : instances.size();
  }

  /** Why the answer cannot be trusted, or {@code null} if it can. */
  private String validate(List<ServiceInstance> instances) {
    Set<String> ids = new HashSet<>();
    for (ServiceInstance instance : instances) {
      if (!query.matches(instance)) {
        return "instance " + instance.id() + " (service '" + instance.service() + "', tags "
            + instance.tags() + ", " + instance.health() + ") does not match the query";
      }
      if (!ids.add(instance.id())) {
        return "instance id " + instance.id() + " appears twice";
      }
    }
    return null;
  }

  // ---- interval refresh for backends that cannot watch ----

  private void refresh() {
    if (closed) {
      return;
    }
    CompletableFuture<Answer> pending;
    try {
      pending = backend.fetch(query);
    } catch (RuntimeException e) {
      onError(e);
      return;
    }
    pending.whenComplete((answer, error) -> {
      if (error != null) {
        onError(error instanceof java.util.concurrent.CompletionException ? error.getCause() : error);
      } else {
        onAnswer(answer);
      }
    });
  }

  private void schedule(Duration delay) {
    if (closed || scheduler.isShutdown()) {
      return;
    }
    try {
      nextRefresh = scheduler.schedule(this::refresh, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  /** Exponential from the error back-off up to the refresh interval, with full jitter in the upper half. */
  private Duration backoff() {
    long base = settings.errorBackoff().toNanos();
    long cap = Math.max(base, settings.refreshInterval().toNanos());
    int shift = Math.min(consecutiveFailures - 1, 20);
    long delay = Math.min(cap, base << Math.max(0, shift));
    long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    return Duration.ofNanos(jittered);
  }

  // ---- subscribers ----

  @Override
  public boolean hasSubscribers() {
    return !subscribers.isEmpty();
  }

  Subscription subscribe(Consumer<List<ServiceInstance>> onChange, Runnable onLastUnsubscribe) {
    // Wrap so that subscribing the same consumer twice gives two independent subscriptions.
    Consumer<List<ServiceInstance>> subscriber = onChange::accept;
    synchronized (this) {
      subscribers.add(subscriber);
      if (state.instances != null) {
        notify(subscriber, state.instances);
      }
    }
    AtomicBoolean open = new AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        subscribers.remove(subscriber);
        if (subscribers.isEmpty()) {
          onLastUnsubscribe.run();
        }
      }
    };
  }

  private void notify(Consumer<List<ServiceInstance>> subscriber, List<ServiceInstance> instances) {
    try {
      notifier.execute(() -> {
        if (!subscribers.contains(subscriber)) {
          return;
        }
        try {
          subscriber.accept(instances);
        } catch (RuntimeException e) {
          LOG.warn("a subscriber to {} threw; it stays subscribed", query, e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // discovery closed
    }
  }

  // ---- end ----

  void close() {
    Watch w;
    ScheduledFuture<?> refresh;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      w = watch;
      refresh = nextRefresh;
    }
    if (w != null) {
      w.close();
    }
    if (refresh != null) {
      refresh.cancel(false);
    }
    stateChanged();
    observer.closed();
    firstLoad.completeExceptionally(new IllegalStateException(query + " is no longer watched"));
  }
}
