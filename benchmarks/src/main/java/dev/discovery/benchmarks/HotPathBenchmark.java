package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.balance.ServiceHandle;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.smallrye.stork.api.Service;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 1: "give me the next instance of {@code web}" with the instance list already cached. Run at one and
 * two threads ({@code -t 1}, {@code -t 2}) and with {@code -prof gc} for bytes per operation. Every library
 * loaded its list from the same testkit agent (10 passing instances) before measurement starts; none does I/O
 * while measured (Stork's 5-minute memo, kiwi's and our watches hold the list).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = Agents.NO_DELAY)
public class HotPathBenchmark {
  static final int INSTANCES = 10;
  static final String SERVICE = "web";

  /** The physical floor: an atomic increment and an array read. */
  @State(Scope.Benchmark)
  public static class Baseline {
    ServiceInstance[] instances;
    final AtomicInteger counter = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
      instances = new ServiceInstance[INSTANCES];
      for (int i = 0; i < INSTANCES; i++) {
        instances[i] = ServiceInstance.of(SERVICE, "10.0.0." + (i + 1), 20000 + i);
      }
    }
  }

  /** Ours: {@link ServiceSelector#next(String)} over the cache, round robin and outlier ejection (defaults). */
  @State(Scope.Benchmark)
  public static class Ours {
    /** {@code consul-http}: loaded from the testkit agent; {@code memory}: loaded from a fixed in-memory list. */
    @Param({"consul-http"})
    public String source;

    ConsulTestAgent consul;
    CachingDiscovery discovery;
    ServiceSelector selector;
    ServiceHandle handle;
    final ServiceQuery query = ServiceQuery.of(SERVICE);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      if ("memory".equals(source)) {
        discovery = CachingDiscovery.builder(new MemoryBackend(INSTANCES)).build();
      } else {
        consul = Agents.withService(SERVICE, INSTANCES, 20000);
        discovery = Clients.ours(consul);
      }
      selector = ServiceSelector.builder(discovery).build();
      handle = selector.forService(SERVICE);
      int size = discovery.instances(query).size();
      if (size != INSTANCES) {
        throw new IllegalStateException("ours loaded " + size + " instances of web, expected " + INSTANCES);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      discovery.close();
      if (consul != null) {
        consul.close();
      }
    }
  }

  /** Stork 2.7.9: Consul service discovery, default round robin, default 5-minute refresh. */
  @State(Scope.Benchmark)
  public static class Stork {
    ConsulTestAgent consul;
    Service service;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      consul = Agents.withService(SERVICE, INSTANCES, 20000);
      service = Clients.stork(consul, SERVICE, null);
      int size = service.getInstances().await().atMost(Duration.ofSeconds(10)).size();
      if (size != INSTANCES) {
        throw new IllegalStateException("Stork loaded " + size + " instances of web, expected " + INSTANCES);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      Clients.shutdownStork();
      consul.close();
    }
  }

  /**
   * kiwiproject consul-client 1.12.1: its {@link ServiceHealthCache} (blocking queries), and a round robin
   * over the snapshot. Two ways a user reads the snapshot: an array rebuilt by a cache listener on change
   * (the efficient way), or {@code getMap()} on each call.
   */
  @State(Scope.Benchmark)
  public static class Kiwi {
    ConsulTestAgent consul;
    Consul client;
    ServiceHealthCache cache;
    volatile ServiceHealth[] snapshot;
    final AtomicInteger counter = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      consul = Agents.withService(SERVICE, INSTANCES, 20000);
      client = Clients.kiwiClient(consul);
      cache = Clients.kiwiCache(client, SERVICE);
      snapshot = cache.getMap().values().toArray(new ServiceHealth[0]);
      cache.addListener(map -> snapshot = map.values().toArray(new ServiceHealth[0]));
      if (snapshot.length != INSTANCES) {
        throw new IllegalStateException("kiwi loaded " + snapshot.length + " instances of web, expected " + INSTANCES);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      cache.stop();
      client.destroy();
      consul.close();
    }
  }

  @Benchmark
  public ServiceInstance baseline(Baseline s) {
    ServiceInstance[] instances = s.instances;
    return instances[(s.counter.getAndIncrement() & Integer.MAX_VALUE) % instances.length];
  }

  @Benchmark
  public ServiceInstance ours(Ours s) {
    return s.selector.next(SERVICE);
  }

  /** Ours through a handle held by the caller ({@link ServiceSelector#forService}): no lookup per pick. */
  @Benchmark
  public ServiceInstance oursHandle(Ours s) {
    return s.handle.next();
  }

  /** Diagnostic: ours without the pick, only the cached list read ({@code CachingDiscovery.instances}). */
  @Benchmark
  public Object oursListOnly(Ours s) {
    return s.discovery.instances(s.query);
  }

  @Benchmark
  public io.smallrye.stork.api.ServiceInstance stork(Stork s) {
    return s.service.selectInstance().await().indefinitely();
  }

  @Benchmark
  public ServiceHealth kiwiListenerArray(Kiwi s) {
    ServiceHealth[] instances = s.snapshot;
    return instances[(s.counter.getAndIncrement() & Integer.MAX_VALUE) % instances.length];
  }

  @Benchmark
  public ServiceHealth kiwiGetMap(Kiwi s) {
    var values = s.cache.getMap().values().asList();
    return values.get((s.counter.getAndIncrement() & Integer.MAX_VALUE) % values.size());
  }
}
