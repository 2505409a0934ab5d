package dev.discovery.spi;

import dev.discovery.ServiceInstance;
import java.time.Duration;
import java.util.List;

/**
 * One answer of a backend to a query: the instances, how long the registry said the answer may be
 * cached ({@code null} when it said nothing, or a zero TTL, so that the cache's refresh interval applies), and
 * which datacenter answered when that is not simply the query's own.
 *
 * @param instances the instances, possibly empty
 * @param ttl a positive time to live given by the registry, or {@code null}
 * @param datacenter the datacenter the instances come from when the registry or the cache's failover says so
 *     (a prepared query that failed over, a fallback datacenter), or {@code null} for the query's own
 */
public record Answer(List<ServiceInstance> instances, Duration ttl, String datacenter) {

  /** Copies the list; rejects a null list or element, and a negative or zero TTL (use {@code null}). */
  public Answer {
    if (instances == null) {
      throw new IllegalArgumentException("answer instances must not be null (use an empty list)");
    }
    instances = List.copyOf(instances);
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      ttl = null;
    }
  }

  /** An answer from the query's own datacenter. */
  public Answer(List<ServiceInstance> instances, Duration ttl) {
    this(instances, ttl, null);
  }

  /** This answer, said to come from {@code datacenter}. */
  public Answer withDatacenter(String datacenter) {
    return new Answer(instances, ttl, datacenter);
  }

  /** An answer with no TTL of its own. */
  public static Answer of(List<ServiceInstance> instances) {
    return new Answer(instances, null);
  }
}
