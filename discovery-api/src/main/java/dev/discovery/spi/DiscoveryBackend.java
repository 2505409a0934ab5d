package dev.discovery.spi;

import dev.discovery.ServiceQuery;
import java.util.concurrent.CompletableFuture;

/**
 * What a registry backend implements so that the shared cache ({@link dev.discovery.cache.CachingDiscovery})
 * can serve it: fetch a query's answer once, and optionally watch it for changes.
 *
 * <p>A backend does I/O only; it keeps no cache of its own. Its futures and listener calls must never block
 * the caller beyond the backend's own time-outs, and every failure is reported (an exception completes the
 * future, or {@link WatchListener#onError}), never turned into an empty answer.
 */
public interface DiscoveryBackend extends AutoCloseable {

  /** A short description for messages, such as {@code consul-http http://127.0.0.1:8500}. Never a secret. */
  String describe();

  /**
   * Everything besides the query that shapes this backend's answers, as a stable text: which registry (agents,
   * servers) and the client-wide settings that change what it answers (a default datacenter, a filter). The cache
   * names and checks {@linkplain dev.discovery.cache.CachingDiscovery.Builder#persistTo persisted answers} by it,
   * so that two backends or clusters sharing a directory never read each other's. Never a secret (no token, no
   * password). Default: {@link #describe()}.
   */
  default String identity() {
    return describe();
  }

  /**
   * A short, stable name of the kind of backend, such as {@code consul-http}: a metrics tag, so never an
   * address or a secret. Default: the first word of {@link #describe()}.
   */
  default String name() {
    String d = describe();
    int space = d.indexOf(' ');
    return space < 0 ? d : d.substring(0, space);
  }

  /** Asks the registry once. The future fails with the cause when the registry could not answer. */
  CompletableFuture<Answer> fetch(ServiceQuery query);

  /** Whether {@link #watch} is supported; when it is not, the cache refreshes by calling {@link #fetch}. */
  default boolean supportsWatch() {
    return false;
  }

  /**
   * Whether {@link #watch} is supported for this query; when it is not, the cache refreshes it by calling
   * {@link #fetch} on an interval. For a backend that can watch some queries only (Consul cannot block on a
   * prepared query's execution). Default: {@link #supportsWatch()}.
   */
  default boolean supportsWatch(ServiceQuery query) {
    return supportsWatch();
  }

  /**
   * Starts pushing the query's answers to {@code listener}: the current answer as soon as it is known, then
   * one after every change (repeating an unchanged answer is allowed). Runs until the returned watch is closed.
   */
  default Watch watch(ServiceQuery query, WatchListener listener) {
    throw new UnsupportedOperationException(describe() + " cannot watch; use fetch");
  }

  /** Releases connections and threads. */
  @Override
  void close();

  /**
   * Called once by the cache that owns this backend, with the cache's observer, before any fetch or watch: so that
   * a backend can report what concerns it as a whole (for example an agent refusing connections) to the same
   * observer as the lookups, with the observer set in one place. The default ignores it.
   */
  default void observe(DiscoveryObserver observer) {}
}
