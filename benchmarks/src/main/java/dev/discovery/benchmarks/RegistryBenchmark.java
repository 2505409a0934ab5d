package dev.discovery.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.discovery.ServiceQuery;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The question of issue 18 about Caffeine: what would it cost on {@code CachingDiscovery.instances(query)} if it
 * held the cache's registry of queries (single-flight first loads, idle expiry, removal closing the watch) in
 * place of today's {@link ConcurrentHashMap} and idle sweep? The registry read is the whole difference: picks
 * through a {@code ServiceHandle} or {@code ServiceSelector.next(String)} do not touch the registry.
 *
 * <p>Three registries of {@code queries} entries, each read for one query: the map as the cache uses it; Caffeine
 * with {@code expireAfterAccess} (what idle expiry needs: every read records an access); Caffeine without expiry
 * (the floor of its read path). Run at one and two threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RegistryBenchmark {

  /** The three registries, filled alike; the values stand for the cache's per-query entries. */
  @State(Scope.Benchmark)
  public static class Registries {
    @Param({"10", "1000"})
    public int queries;

    final ConcurrentHashMap<ServiceQuery, Object> map = new ConcurrentHashMap<>();
    Cache<ServiceQuery, Object> expiring;
    Cache<ServiceQuery, Object> plain;
    ServiceQuery asked;

    @Setup
    public void setUp() {
      expiring = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).build();
      plain = Caffeine.newBuilder().build();
      for (int i = 0; i < queries; i++) {
        ServiceQuery q = ServiceQuery.of("service-" + i);
        Object entry = new Object();
        map.put(q, entry);
        expiring.put(q, entry);
        plain.put(q, entry);
      }
      asked = ServiceQuery.of("service-" + (queries / 2)); // an equal query, not the same instance
    }
  }

  @Benchmark
  public Object concurrentHashMap(Registries r) {
    return r.map.get(r.asked);
  }

  @Benchmark
  public Object caffeineExpireAfterAccess(Registries r) {
    return r.expiring.getIfPresent(r.asked);
  }

  @Benchmark
  public Object caffeinePlain(Registries r) {
    return r.plain.getIfPresent(r.asked);
  }
}
