package dev.discovery.cache;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.SnapshotFormat.ReadResult;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted last good answers of one cache ({@link CachingDiscovery.Builder#persistTo}): when to write a
 * query's answer, reading it back for a cold start, and what to log. All file I/O runs on one thread of its own,
 * never on a lookup's thread nor under a query's lock, so a slow disk delays only the files.
 *
 * <p>Logging: a file that cannot be used is one WARN per read naming the file and why; a missing one is silent;
 * a directory that cannot be written is one WARN until a write succeeds again (then DEBUG per failure).
 */
final class Persistence {
  private static final Logger LOG = LoggerFactory.getLogger(Persistence.class);
  /** Persistence switched off: the cache behaves exactly as it did without it. */
  static final Persistence OFF = new Persistence(null, null, Duration.ofDays(1));
  /**
   * Temporary files older than this are a killed writer's leftovers; younger ones may be another process's write
   * in progress (two instances of an application may share a directory).
   */
  private static final long LEFTOVER_MILLIS = TimeUnit.MINUTES.toMillis(10);
  /** Clock readings a little in the future (NTP steps between a write and a restart) count as "just now". */
  private static final long FUTURE_TOLERANCE_MILLIS = TimeUnit.SECONDS.toMillis(5);

  /** An answer read back from disk, fit to serve, and how old it is. */
  record Loaded(List<ServiceInstance> instances, Duration age, String file) {}

  private final SnapshotStore store;
  private final Clock clock;
  private final Duration maxStaleness;
  private final long rewriteAfterMillis;
  private final ExecutorService thread;
  /** The latest answer of each query waiting to be written: only the newest is, when several come quickly. */
  private final ConcurrentHashMap<ServiceQuery, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean writesFailing = new AtomicBoolean();

  private record Pending(long confirmedMillis, List<ServiceInstance> instances) {}

  private Persistence(SnapshotStore store, Clock clock, Duration maxStaleness) {
    this.store = store;
    this.clock = clock;
    this.maxStaleness = maxStaleness;
    // An unchanged answer is written again once its file's confirmation time is a quarter of the bound old, so a
    // long quiet spell (Consul answers rarely when nothing changes) does not make a sound file look too old.
    this.rewriteAfterMillis = Math.max(1, maxStaleness.toMillis() / 4);
    this.thread = store == null ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "discovery-persist");
      t.setDaemon(true);
      return t;
    });
  }

  /** Persistence into {@code store}, ages on {@code clock}, answers older than {@code maxStaleness} refused. */
  static Persistence to(SnapshotStore store, Clock clock, Duration maxStaleness) {
    Persistence p = new Persistence(store, clock, maxStaleness);
    p.run(() -> store.removeLeftovers(clock.millis(), LEFTOVER_MILLIS));
    return p;
  }

  boolean enabled() {
    return store != null;
  }

  /** How old an answer read from disk may be, when read and for as long as it is served. */
  Duration maxStaleness() {
    return maxStaleness;
  }

  /**
   * Whether an unchanged answer should be written again, its file having been confirmed at {@code savedMillis}
   * ({@code Long.MIN_VALUE} when never written by this process). Reads the wall clock; for the answer path only.
   */
  boolean rewriteDue(long savedMillis) {
    return savedMillis == Long.MIN_VALUE || clock.millis() - savedMillis >= rewriteAfterMillis;
  }

  /**
   * Schedules {@code instances} to be written as {@code query}'s answer, confirmed now; returns that time. Does no
   * I/O itself, so it may be called under the query's lock.
   */
  long save(ServiceQuery query, List<ServiceInstance> instances) {
    long now = clock.millis();
    if (pending.put(query, new Pending(now, instances)) == null) {
      run(() -> write(query));
    }
    return now;
  }

  private void write(ServiceQuery query) {
    Pending p = pending.remove(query);
    if (p == null) {
      return;
    }
    try {
      store.write(query, p.confirmedMillis, p.instances);
      writesFailing.set(false);
    } catch (IOException | RuntimeException e) {
      if (writesFailing.compareAndSet(false, true)) {
        LOG.warn("cannot persist the answer for {} in {} ({}: {}); lookups go on without a persisted copy, and"
            + " a cold start during an outage will have none: check that the directory is writable", query,
            store.directory(), e.getClass().getSimpleName(), e.getMessage());
      } else {
        LOG.debug("cannot persist the answer for {} in {} ({})", query, store.directory(), e.toString());
      }
    }
  }

  /**
   * Reads {@code query}'s persisted answer on the persistence thread and gives it to {@code then}: the answer and
   * its age, or {@code null} when there is none fit to serve (missing, unusable, or older than the bound).
   */
  void load(ServiceQuery query, Consumer<Loaded> then) {
    if (!run(() -> then.accept(readNow(query)))) {
      then.accept(null);
    }
  }

  private Loaded readNow(ServiceQuery query) {
    java.nio.file.Path file = store.fileFor(query);
    ReadResult result;
    try {
      result = store.read(query);
    } catch (RuntimeException e) { // the reader never throws; a start-up must not fail if it one day did
      result = ReadResult.ignored("unreadable (" + e + ")");
    }
    if (result.ignored() != null) {
      LOG.warn("{}: ignoring the persisted answer {}: {}", query, file, result.ignored());
      return null;
    }
    if (result.saved() == null) {
      return null; // never persisted: nothing to say
    }
    long ageMillis = clock.millis() - result.saved().confirmedMillis();
    if (ageMillis < -FUTURE_TOLERANCE_MILLIS) {
      LOG.warn("{}: ignoring the persisted answer {}: confirmed {} ms in the future (the clock was set back?)",
          query, file, -ageMillis);
      return null;
    }
    Duration age = Duration.ofMillis(Math.max(0, ageMillis));
    if (age.compareTo(maxStaleness) > 0) {
      LOG.info("{}: the persisted answer {} is {} old, beyond the maximum disk staleness of {}; not served",
          query, file, age, maxStaleness);
      return null;
    }
    return new Loaded(result.saved().instances(), age, file.toString());
  }

  /** Runs {@code task} on the persistence thread; false when it is shut down. */
  private boolean run(Runnable task) {
    try {
      thread.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.warn("persisting answers in {} failed", store.directory(), e);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Lets the writes already scheduled finish (briefly: close must not hang on a stuck disk), then stops. */
  void close() {
    if (thread == null) {
      return;
    }
    thread.shutdown();
    try {
      thread.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
