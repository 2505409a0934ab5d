package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kiwiproject.consul.cache.ServiceHealthKey;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.google.common.collect.ImmutableMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 5, time: parse and apply one health answer of 5,000 instances, as each library does when its watch
 * or refresh returns (see {@link HealthAnswers} for what "apply" is per library). No network: every library
 * gets the same bytes, fetched once from the testkit agent. Each operation applies a <em>changed</em> answer:
 * it alternates between all 5,000 passing and {@code web-0} critical (4,999), so no library can short-cut an
 * unchanged one. Run with {@code -prof gc} for bytes allocated per answer; retained bytes per instance come
 * from {@link ScaleMemory}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Agents.NO_DELAY, "-Xmx1g"})
public class ScaleBenchmark {
  static final String SERVICE = "web";
  static final int INSTANCES = 5000;

  /** The two bodies, fetched once from the agent. */
  @State(Scope.Benchmark)
  public static class Bodies {
    ConsulTestAgent consul;
    byte[] allPassing;
    byte[] oneCritical;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      consul = Agents.withService(SERVICE, INSTANCES, 20000);
      allPassing = HealthAnswers.fetch(consul, SERVICE);
      consul.setServiceHealth(Agents.id(SERVICE, 0), "critical");
      oneCritical = HealthAnswers.fetch(consul, SERVICE);
      consul.setServiceHealth(Agents.id(SERVICE, 0), "passing");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      consul.close();
    }
  }

  /** Alternates the two bodies; one per benchmark thread. */
  @State(Scope.Thread)
  public static class Next {
    boolean flip;

    byte[] body(Bodies bodies) {
      flip = !flip;
      return flip ? bodies.oneCritical : bodies.allPassing;
    }
  }

  @State(Scope.Benchmark)
  public static class Ours {
    HealthAnswers.Ours ours;

    @Setup(Level.Trial)
    public void setUp(Bodies bodies) {
      ours = new HealthAnswers.Ours(SERVICE);
      expect("ours", ours.parseAndApply(bodies.allPassing).size(), INSTANCES);
      expect("ours", ours.parseAndApply(bodies.oneCritical).size(), INSTANCES - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      ours.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Kiwi {
    HealthAnswers.Kiwi kiwi;

    @Setup(Level.Trial)
    public void setUp(Bodies bodies) throws Exception {
      kiwi = new HealthAnswers.Kiwi(bodies.consul, SERVICE);
      expect("kiwi", kiwi.parseAndApply(bodies.allPassing).size(), INSTANCES);
      expect("kiwi", kiwi.parseAndApply(bodies.oneCritical).size(), INSTANCES - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      kiwi.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Stork {
    HealthAnswers.Stork stork;
    List<io.smallrye.stork.api.ServiceInstance> previous = List.of();

    @Setup(Level.Trial)
    public void setUp(Bodies bodies) throws Exception {
      stork = new HealthAnswers.Stork(bodies.consul, SERVICE);
      previous = stork.parseAndApply(bodies.allPassing, previous);
      expect("Stork", previous.size(), INSTANCES);
      expect("Stork", stork.parseAndApply(bodies.oneCritical, previous).size(), INSTANCES - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      stork.close();
    }
  }

  static void expect(String who, int got, int want) {
    if (got != want) {
      throw new IllegalStateException(who + " applied " + got + " instances, expected " + want);
    }
  }

  @Benchmark
  public List<ServiceInstance> ours(Bodies bodies, Next next, Ours s) {
    return s.ours.parseAndApply(next.body(bodies));
  }

  @Benchmark
  public ImmutableMap<ServiceHealthKey, ServiceHealth> kiwi(Bodies bodies, Next next, Kiwi s) throws Exception {
    return s.kiwi.parseAndApply(next.body(bodies));
  }

  /** A refresh: entries matched against the previous list (Stork's steady state). */
  @Benchmark
  public List<io.smallrye.stork.api.ServiceInstance> stork(Bodies bodies, Next next, Stork s) throws Exception {
    List<io.smallrye.stork.api.ServiceInstance> result = s.stork.parseAndApply(next.body(bodies), s.previous);
    s.previous = result;
    return result;
  }

  /** Stork's first load: no previous list to match against. */
  @Benchmark
  public List<io.smallrye.stork.api.ServiceInstance> storkFirstLoad(Bodies bodies, Next next, Stork s)
      throws Exception {
    return s.stork.parseAndApply(next.body(bodies), List.of());
  }
}
