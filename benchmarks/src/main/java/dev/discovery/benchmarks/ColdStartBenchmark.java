package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.smallrye.stork.api.Service;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figures 4 and 5: cold start, the first lookup of {@code web} on a freshly built client (new connection,
 * first request, parsing, first pick), with 10 instances, and with 5,000 (figure 5: the cost of fetching,
 * parsing and applying a large health answer). The client is built before the timer starts and closed after it stops;
 * each iteration is one first lookup (SingleShotTime), after a few warm-up ones so class loading and JIT of
 * the libraries' code are not what is measured.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 30)
@Fork(value = 1, jvmArgsAppend = Agents.NO_DELAY)
public class ColdStartBenchmark {
  static final String SERVICE = "web";

  /** The agent, shared by every iteration of a trial. */
  @State(Scope.Benchmark)
  public static class Agent {
    /** Passing instances of {@code web}. */
    @Param({"10", "5000"})
    public int instances;

    ConsulTestAgent consul;

    @Setup(Level.Trial)
    public void setUp() {
      consul = Agents.withService(SERVICE, instances, 20000);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      consul.close();
    }
  }

  /** Ours: a new {@code ConsulDiscovery.http()} cache and selector per iteration. */
  @State(Scope.Benchmark)
  public static class Ours {
    CachingDiscovery discovery;
    ServiceSelector selector;

    @Setup(Level.Iteration)
    public void setUp(Agent agent) {
      discovery = Clients.ours(agent.consul);
      selector = ServiceSelector.builder(discovery).build();
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
      discovery.close();
    }
  }

  /** kiwi: a new client per iteration; the timed part creates, starts and awaits a ServiceHealthCache. */
  @State(Scope.Benchmark)
  public static class Kiwi {
    Consul client;
    ServiceHealthCache cache;

    @Setup(Level.Iteration)
    public void setUp(Agent agent) {
      client = Clients.kiwiClient(agent.consul);
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
      if (cache != null) {
        cache.stop();
      }
      client.destroy();
    }
  }

  /** Stork: a new Stork (and Vert.x) per iteration with the service defined; the timed part is the pick. */
  @State(Scope.Benchmark)
  public static class Stork {
    Service service;

    @Setup(Level.Iteration)
    public void setUp(Agent agent) {
      service = Clients.stork(agent.consul, SERVICE, null);
    }

    @TearDown(Level.Iteration)
    public void tearDown() throws Exception {
      Clients.shutdownStork();
    }
  }

  @Benchmark
  public ServiceInstance ours(Ours s) {
    return s.selector.next(SERVICE);
  }

  @Benchmark
  public ServiceHealth kiwi(Kiwi s) {
    s.cache = Clients.kiwiCache(s.client, SERVICE);
    return s.cache.getMap().values().iterator().next();
  }

  @Benchmark
  public io.smallrye.stork.api.ServiceInstance stork(Stork s) {
    return s.service.selectInstance().await().atMost(Duration.ofSeconds(10));
  }
}
