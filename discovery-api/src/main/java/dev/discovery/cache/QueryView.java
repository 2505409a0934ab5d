package dev.discovery.cache;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;

/**
 * One cached query held directly, from {@link CachingDiscovery#view}: reads skip the cache's map of queries.
 * It exists for {@link dev.discovery.balance.ServiceSelector}'s per-service handles, whose pick must cost no
 * more than a couple of memory reads; applications use {@link CachingDiscovery#instances} instead.
 *
 * <p>Thread-safe. A view never keeps its query alive on its own account: it counts as a lookup when read,
 * and once the query has been forgotten ({@link #isClosed()}) it stays closed; ask the discovery for another.
 */
public final class QueryView implements AutoCloseable {
  private final CachedQuery entry;
  private final Runnable listener;

  QueryView(CachedQuery entry, Runnable listener) {
    this.entry = entry;
    this.listener = listener;
  }

  /** The query this view reads. */
  public ServiceQuery query() {
    return entry.query();
  }

  /**
   * The cached instances with every rule of {@link CachingDiscovery#instances}: waits for the first answer,
   * serves a stale one up to the maximum staleness, then throws. Counts as a lookup.
   */
  public List<ServiceInstance> instances() {
    entry.touch();
    return entry.read();
  }

  /**
   * The instances when they can be used without any check (loaded, confirmed by the last refresh, still
   * watched), else {@code null}: then call {@link #instances()}. Counts nothing and allocates nothing.
   */
  public List<ServiceInstance> fresh() {
    return entry.freshOrNull();
  }

  /**
   * Records one lookup answered from what {@link #fresh()} returned earlier: marks the query as used (so it
   * stays watched) and tells the observer. Allocation-free.
   */
  public void hit() {
    entry.touch();
    entry.countHit();
  }

  /** Whether the query has stopped being watched (idle, or the discovery closed); the view is then dead. */
  public boolean isClosed() {
    return entry.isClosed();
  }

  /** Stops the change notifications; the query itself stays cached for as long as others use it. */
  @Override
  public void close() {
    entry.removeStateListener(listener);
  }
}
