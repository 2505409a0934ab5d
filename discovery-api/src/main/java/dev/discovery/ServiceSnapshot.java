package dev.discovery;

import java.time.Duration;
import java.util.List;

/**
 * The cached answer to a query together with how fresh it is: for status pages, command-line tools and
 * anything that wants to say "stale" instead of failing.
 *
 * @param query the query answered
 * @param instances the last good answer
 * @param age time since the registry last confirmed this answer
 * @param stale whether the latest attempt to refresh it failed
 * @param lastError the latest refresh failure's message while stale, else {@code null}
 * @param datacenter the datacenter whose answer this is: the query's own ({@code null} for the agent's), or the
 *     fallback datacenter serving it while the query fails over
 * @param fromDisk whether the answer was read back from a persisted copy because the registry could not be reached
 *     since start-up
 */
public record ServiceSnapshot(
    ServiceQuery query, List<ServiceInstance> instances, Duration age, boolean stale, String lastError,
    String datacenter, boolean fromDisk) {

  /** A snapshot of a live answer from the query's own datacenter. */
  public ServiceSnapshot(
      ServiceQuery query, List<ServiceInstance> instances, Duration age, boolean stale, String lastError) {
    this(query, instances, age, stale, lastError, query.datacenter(), false);
  }
}
