package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.smallrye.stork.api.Service;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 2: freshness, the time from a health change in the agent to the first lookup that reflects it.
 * Each operation is one change: before it (untimed) the benchmark pauses, then flips instance {@code web-0}
 * between passing and critical; the timed part polls the library's lookup every ~50 µs until the change
 * shows. SampleTime gives the distribution (p50, p99).
 *
 * <p>The pause decides what is measured. For the watching clients (ours, kiwi), {@code changes=isolated}
 * pauses 300-500 ms, longer than any client's minimum interval between requests (ours: 250 ms), as when
 * changes are seconds apart; {@code changes=burst} pauses 0-20 ms, so a change often arrives while a client
 * is still holding back its next request; {@code changes=deploy} (not in the default run: pass
 * {@code -p changes=deploy}) makes bursts of five changes 0-20 ms apart after a quiet second each, as a rolling
 * deploy does. For Stork, the pause is uniform over its refresh period, so a
 * change lands anywhere in the cycle.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = Agents.NO_DELAY)
@Threads(1)
public class FreshnessBenchmark {
  static final String SERVICE = "web";
  static final int INSTANCES = 3;
  static final int WATCHED_PORT = 20000; // web-0
  static final Duration GIVE_UP = Duration.ofMinutes(6); // beyond Stork's 5-minute default refresh

  /** The agent and the flip; subclasses say how their library looks the service up. */
  public abstract static class Flipper {
    ConsulTestAgent consul;
    boolean expectPresent = true;

    void startConsul() throws Exception {
      consul = Agents.withService(SERVICE, INSTANCES, WATCHED_PORT);
    }

    abstract boolean lookupHasWatchedInstance();

    /** {@code isolated}: changes 300-500 ms apart; {@code burst}: 0-20 ms apart. */
    String changes() {
      return "isolated";
    }

    /** Changes made so far, for {@code changes=deploy}'s bursts. */
    int flips;

    long pauseMillis() {
      if ("deploy".equals(changes())) {
        // A rolling deploy: a quiet second, then five changes 0-20 ms apart, again and again.
        return flips++ % 5 == 0 ? 1000 : ThreadLocalRandom.current().nextLong(21);
      }
      return "burst".equals(changes())
          ? ThreadLocalRandom.current().nextLong(21)
          : 300 + ThreadLocalRandom.current().nextLong(201);
    }

    @Setup(Level.Invocation)
    public void pauseAndFlip() throws InterruptedException {
      long pause = pauseMillis();
      if (pause > 0) {
        Thread.sleep(pause);
      }
      expectPresent = !expectPresent;
      consul.setServiceHealth(Agents.id(SERVICE, 0), expectPresent ? "passing" : "critical");
    }

    void awaitChange() {
      boolean want = expectPresent;
      Clients.await(() -> lookupHasWatchedInstance() == want, GIVE_UP, "the change of web-0 to show");
    }
  }

  /** Ours: the Consul HTTP backend's blocking queries (defaults). */
  @State(Scope.Benchmark)
  public static class Ours extends Flipper {
    /** {@code isolated}: changes 300-500 ms apart; {@code burst}: 0-20 ms apart. */
    @Param({"isolated", "burst"})
    public String changes;

    @Override
    String changes() {
      return changes;
    }

    CachingDiscovery discovery;
    final ServiceQuery query = ServiceQuery.of(SERVICE);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      startConsul();
      discovery = Clients.ours(consul);
      if (!lookupHasWatchedInstance()) {
        throw new IllegalStateException("ours: web-0 missing after the first load");
      }
    }

    @Override
    boolean lookupHasWatchedInstance() {
      for (ServiceInstance instance : discovery.instances(query)) {
        if (instance.port() == WATCHED_PORT) {
          return true;
        }
      }
      return false;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      discovery.close();
      consul.close();
    }
  }

  /** kiwi's ServiceHealthCache: blocking queries with its default 10 s watch (its default is its fastest). */
  @State(Scope.Benchmark)
  public static class Kiwi extends Flipper {
    /** {@code isolated}: changes 300-500 ms apart; {@code burst}: 0-20 ms apart. */
    @Param({"isolated", "burst"})
    public String changes;

    @Override
    String changes() {
      return changes;
    }

    Consul client;
    ServiceHealthCache cache;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      startConsul();
      client = Clients.kiwiClient(consul);
      cache = Clients.kiwiCache(client, SERVICE);
    }

    @Override
    boolean lookupHasWatchedInstance() {
      for (ServiceHealth health : cache.getMap().values()) {
        if (health.getService().getPort() == WATCHED_PORT) {
          return true;
        }
      }
      return false;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      cache.stop();
      client.destroy();
      consul.close();
    }
  }

  /**
   * Stork: a lazily refreshed memo of the agent's answer. {@code refresh} is Stork's {@code refresh-period}:
   * {@code 1} (one second, the shortest its documented whole-seconds form allows) by default here, since its
   * default {@code 5M} needs up to five minutes per sample; pass {@code -p refresh=5M} for it.
   */
  @State(Scope.Benchmark)
  public static class Stork extends Flipper {
    /** Stork's refresh-period. */
    @Param({"1"})
    public String refresh;

    Service service;
    long periodMillis;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      startConsul();
      service = Clients.stork(consul, SERVICE, refresh);
      periodMillis = refresh.matches("\\d+")
          ? TimeUnit.SECONDS.toMillis(Long.parseLong(refresh))
          : Duration.parse("PT" + refresh).toMillis();
      if (!lookupHasWatchedInstance()) {
        throw new IllegalStateException("Stork: web-0 missing after the first load");
      }
    }

    @Override
    boolean lookupHasWatchedInstance() {
      for (io.smallrye.stork.api.ServiceInstance instance
          : service.getInstances().await().atMost(Duration.ofSeconds(10))) {
        if (instance.getPort() == WATCHED_PORT) {
          return true;
        }
      }
      return false;
    }

    @Override
    long pauseMillis() {
      return ThreadLocalRandom.current().nextLong(periodMillis + 1); // anywhere in the refresh cycle
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      Clients.shutdownStork();
      consul.close();
    }
  }

  @Benchmark
  public void ours(Ours s) {
    s.awaitChange();
  }

  @Benchmark
  public void kiwi(Kiwi s) {
    s.awaitChange();
  }

  @Benchmark
  public void stork(Stork s) {
    s.awaitChange();
  }
}
