package dev.discovery;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Finds the healthy instances of services. Answers come from memory: the first lookup of a query loads it
 * (and starts keeping it fresh), every later lookup is a read of the cached list with no I/O.
 *
 * <p>When the registry cannot be reached, the last good answer keeps being served up to a configured
 * maximum staleness; after that, lookups throw {@link RegistryUnavailableException}. Implementations are
 * thread-safe. Close the discovery to stop every watch and refresh it started.
 */
public interface ServiceDiscovery extends AutoCloseable {

  /**
   * The instances that satisfy the query, possibly empty when none is healthy. Blocks only on the first
   * lookup of a query (bounded by the configured load time-out).
   *
   * @throws RegistryUnavailableException if the registry could not be asked and no answer is fresh enough
   * @throws InvalidQueryException if the registry rejected the query (a refused token, a bad filter)
   */
  List<ServiceInstance> instances(ServiceQuery query);

  /** Shorthand for {@code instances(ServiceQuery.of(service))}. */
  default List<ServiceInstance> instances(String service) {
    return instances(ServiceQuery.of(service));
  }

  /** The same answer as {@link #instances(ServiceQuery)} without blocking the caller on a first load. */
  CompletableFuture<List<ServiceInstance>> instancesAsync(ServiceQuery query);

  /**
   * The cached answer with its freshness. Loads the query like {@link #instances(ServiceQuery)} if needed, but
   * reports an answer older than the maximum staleness as stale instead of throwing.
   *
   * @throws RegistryUnavailableException if the query has never been answered
   */
  ServiceSnapshot snapshot(ServiceQuery query);

  /**
   * Calls {@code onChange} with the current list once it is known and then with every change, in order,
   * on a thread of the discovery's (never the caller's). The query stays watched while subscribed.
   */
  Subscription subscribe(ServiceQuery query, Consumer<List<ServiceInstance>> onChange);

  /** Stops every watch and refresh; later lookups fail with {@link IllegalStateException}. */
  @Override
  void close();
}
