package dev.discovery.spi;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.time.Duration;

/**
 * Hears what the cache and the selector do, for metrics: lookups served, refreshes, failures, back-off,
 * ejections. Every method has a no-op default and {@link #NONE} observes nothing, so discovery depends on no
 * metrics library; {@code discovery-micrometer} provides one for Micrometer.
 *
 * <p>Methods are called on the threads that do the work, the per-query {@link QueryObserver#lookup} on every
 * lookup: implementations must be quick, must not block, and must not allocate on that path. They must not
 * throw either; an exception would surface in the caller's lookup.
 */
public interface DiscoveryObserver {
  /** Observes nothing. */
  DiscoveryObserver NONE = new DiscoveryObserver() {};

  /**
   * The cache started keeping {@code state.query()} fresh. The returned observer hears about that query
   * until its {@link QueryObserver#closed()}; {@link QueryObserver#NONE} by default.
   */
  default QueryObserver queryStarted(QueryState state) {
    return QueryObserver.NONE;
  }

  /**
   * A selector ejected {@code instance} of {@code service} for {@code duration} after consecutive failures.
   *
   * @param backend the backend's {@linkplain DiscoveryBackend#name() name}
   */
  default void instanceEjected(String service, String backend, ServiceInstance instance, Duration duration) {}

  /**
   * A selector found more of {@code query}'s instances ejected than it may leave out, and uses them all
   * again (panic mode). Called once when the mode starts, not per selection.
   */
  default void panicStarted(ServiceQuery query, String backend, int ejected, int instances) {}

  /** A selector had no instance to give for {@code query}: the registry knows no healthy one. */
  default void noInstance(ServiceQuery query, String backend) {}

  /**
   * The registry refused a connection of this process because it holds too many (a Consul agent's HTTP 429 for
   * {@code limits.http_max_conns_per_client}). Cached answers keep being served; the backend now keeps at most
   * {@code budget} connections (fewer than before when this refusal cut it).
   *
   * @param backend the backend's {@linkplain DiscoveryBackend#name() name}
   * @param budget the connections the backend may hold now
   */
  default void connectionRefused(String backend, int budget) {}

  /** How a lookup was served. */
  enum Lookup {
    /** From the cache, fresh: the registry's last answer and no refresh failing since. */
    HIT,
    /** After waiting for the query's first answer from the registry. */
    LOAD,
    /** From the cache while refreshes fail: the last good answer, within the maximum staleness. */
    STALE,
    /** Not served: no answer yet, or the last good one too old; the lookup threw. */
    FAIL
  }

  /**
   * Live, read-only facts about one cached query, for gauges. Reads are cheap and safe from any thread.
   */
  interface QueryState {
    /** The query. */
    ServiceQuery query();

    /** The backend's {@linkplain DiscoveryBackend#name() name}, such as {@code consul-http}. */
    String backend();

    /** Seconds since the registry last confirmed the answer; {@code NaN} before the first answer. */
    double stalenessSeconds();

    /** Whether the last refresh failed (lookups then get the last good answer, if any). */
    boolean stale();

    /** How many instances the last good answer holds; 0 before the first. */
    int instances();
  }

  /** Hears about one cached query. Calls that change state never overlap; {@link #lookup} may run concurrently. */
  interface QueryObserver {
    /** Hears nothing. */
    QueryObserver NONE = new QueryObserver() {};

    /** A lookup was served (or failed) as {@code result}. On the hot path: must not allocate. */
    default void lookup(Lookup result) {}

    /** The registry answered; {@code changed} when the instances differ from the previous answer. */
    default void refreshed(boolean changed) {}

    /** A refresh failed with {@code cause}, the {@code consecutiveFailures}-th in a row. */
    default void refreshFailed(Throwable cause, int consecutiveFailures) {}

    /** The next retry waits {@code delay} because of failures; {@link Duration#ZERO} once answers come again. */
    default void retryDelay(Duration delay) {}

    /** The query is no longer kept fresh (idle, or the discovery closed): release what was kept for it. */
    default void closed() {}
  }
}
