package dev.discovery.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.mesos.bridge.ConsulAgents;
import dev.discovery.mesos.bridge.InternalBridgeAccess;
import dev.discovery.mesos.bridge.InternalBridgeAccess.BridgeHandle;
import dev.discovery.mesos.bridge.InternalBridgeAccess.Counts;
import dev.discovery.mesos.bridge.InternalBridgeAccess.PassResult;
import dev.discovery.mesos.bridge.InternalBridgeAccess.ReconcilerHandle;
import dev.discovery.mesos.bridge.RemoteService;
import dev.discovery.mesos.bridge.SyntheticMesos;
import dev.discovery.mesos.plan.DesiredService;
import dev.discovery.mesos.plan.MesosMaster;
import dev.discovery.mesos.plan.Plan;
import dev.discovery.mesos.plan.PlanOptions;
import dev.discovery.mesos.plan.Planner;
import dev.discovery.mesos.state.StateParseException;
import dev.discovery.mesos.state.StateParser;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * One pass of the Mesos bridge with 10,000 running tasks over 100 agents (the figure), in steady state:
 * <ul>
 *   <li>{@code plan}: the pure part, a {@code /master/state} body (about 4.5 MB) parsed and planned into the
 *       desired registrations per agent;</li>
 *   <li>{@code reconcile}: the reconciler comparing that plan with 100 agents (16 in parallel, as the bridge
 *       runs), each agent an in-memory stand-in behind the same {@link ConsulAgents} interface the real pool
 *       implements, so no network time is in the figure;</li>
 *   <li>{@code fullPass}: the bridge's {@code runPass()}, i.e. reading the state over HTTP from an in-process master,
 *       parsing, planning and reconciling against the same in-memory agents;</li>
 *   <li>{@code fullPassOverHttp}: the same pass against 100 testkit Consul agents on 127.0.1.1 to 127.0.1.100
 *       through the bridge's real agent pool (two GETs per agent: services and checks).</li>
 * </ul>
 * The state comes from {@code SyntheticMesos}, the generator of the bridge's {@code SteadyStateTest} (which runs
 * the same scenario against testkit agents at a small size in the normal build). Set-up runs a first pass that
 * registers everything, then checks that a second pass writes nothing; tear-down checks that no measured pass
 * wrote anything either. A write in steady state fails the benchmark.
 *
 * <p>The bridge and its reconciler are built through {@link InternalBridgeAccess}, the bridge's one documented
 * internal seam, exactly as {@code discovery-mesos-bridge.jar} builds them from its flags.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
// TCP_NODELAY on the testkit agents' JDK HttpServer, as Consul sets it (see the other benchmarks).
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dsun.net.httpserver.nodelay=true"})
@State(Scope.Benchmark)
public class BridgePassBenchmark {
  private static final String[] WRITE_PATHS = {"/v1/agent/service/register", "/v1/agent/service/deregister/",
      "/v1/agent/service/maintenance/", "/v1/agent/check/"};

  /** Running tasks in the Mesos state. */
  @Param("10000")
  public int tasks;

  /** Mesos agents, each with its own Consul agent. */
  @Param("100")
  public int agents;

  List<String> hosts;
  byte[] state;
  Planner planner;
  Plan plan;
  HttpServer master;
  String masterAddress;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    hosts = new ArrayList<>();
    for (int i = 0; i < agents; i++) {
      hosts.add("127.0.1." + (i + 1)); // loopback, so the testkit agents can bind them
    }
    if (agents > 254) {
      throw new IllegalArgumentException("at most 254 agents (127.0.1.1 to 127.0.1.254)");
    }
    // The master runs on the first agent's host, so its own registration goes to that host's Consul agent.
    master = HttpServer.create(new InetSocketAddress(InetAddress.getByName(hosts.get(0)), 0), 0);
    masterAddress = hosts.get(0) + ":" + master.getAddress().getPort();
    state = SyntheticMesos.state(hosts, tasks, masterAddress);
    master.createContext("/master/state", exchange -> {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, state.length);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(state);
      }
    });
    master.setExecutor(Executors.newSingleThreadExecutor());
    master.start();
    planner = new Planner(PlanOptions.builder().build());
    plan = plan();
    if (plan.runningTasks() != tasks) {
      throw new IllegalStateException("planned " + plan.runningTasks() + " running tasks, expected " + tasks);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    master.stop(0);
    ((ExecutorService) master.getExecutor()).shutdownNow();
  }

  /** The jar's flags for a bridge pointed at this benchmark's master and at Consul agents on {@link #consulPort}. */
  String[] flags() {
    return new String[] {"--mesos=http://" + masterAddress, "--mesos-timeout=30s", "--consul-port=" + consulPort,
        "--consul-timeout=30s"};
  }

  /**
   * A bridge as the jar builds it, pointed at this benchmark's master, over the given agents (null: the bridge's own
   * HTTP agent pool), after a first pass that registered everything.
   */
  BridgeHandle bridge(ConsulAgents consul) throws Exception {
    BridgeHandle b = consul == null ? InternalBridgeAccess.bridgeOverAgentPool(flags())
        : InternalBridgeAccess.bridge(consul, flags());
    PassResult initial = b.runPass();
    if (!initial.success() || initial.counts().registered() != plan.serviceCount() + 1
        || initial.counts().errors() != 0) {
      b.close();
      throw new IllegalStateException("the bridge's first pass failed or missed services: " + initial.message());
    }
    return b;
  }

  int consulPort = 8500;

  static void requireNoWrites(String what, Counts result, long writes) {
    if (writes != 0 || result.registered() + result.deregistered() + result.maintenanceChanges() != 0) {
      throw new IllegalStateException(what + " wrote to Consul in steady state: " + writes + " write(s), " + result);
    }
  }

  static void report(String what, BridgePassBenchmark b) {
    System.out.println();
    System.out.println("steady state, " + what + ": 0 writes to Consul over every measured pass (" + b.tasks
        + " tasks, " + b.agents + " agents, " + b.plan.serviceCount() + " services, " + b.state.length
        + " bytes of state)");
  }

  /** The reconciler and a bridge over in-memory agents. */
  @State(Scope.Benchmark)
  public static class InMemory {
    InMemoryAgents reconcilerAgents;
    ExecutorService pool;
    ReconcilerHandle reconciler;
    Map<String, Map<String, DesiredService>> desired;
    InMemoryAgents bridgeAgents;
    BridgeHandle bridge;

    @Setup(Level.Trial)
    public void setUp(BridgePassBenchmark b) throws Exception {
      desired = b.plan.byHost();
      // The reconciler as Bridge builds it: 16 agents at a time.
      pool = Executors.newFixedThreadPool(16);
      reconcilerAgents = new InMemoryAgents();
      reconciler = InternalBridgeAccess.reconciler(reconcilerAgents, pool, b.flags());
      Counts first = reconciler.reconcile(desired);
      if (first.registered() != b.plan.serviceCount() || first.errors() != 0) {
        throw new IllegalStateException("first pass registered " + first.registered() + " of "
            + b.plan.serviceCount() + " services with " + first.errors() + " errors");
      }
      reconcilerAgents.writes.reset();
      requireNoWrites("the reconciler's second pass", reconciler.reconcile(desired), reconcilerAgents.writes.sum());

      bridgeAgents = new InMemoryAgents();
      bridge = b.bridge(bridgeAgents);
      bridgeAgents.writes.reset();
      requireNoWrites("the bridge's second pass", bridge.runPass().counts(), bridgeAgents.writes.sum());
    }

    @TearDown(Level.Trial)
    public void tearDown(BridgePassBenchmark b) {
      long writes = reconcilerAgents.writes.sum() + bridgeAgents.writes.sum();
      bridge.close();
      pool.shutdownNow();
      if (writes != 0) {
        throw new IllegalStateException(writes + " write(s) to Consul during the measured steady-state passes");
      }
      report("in-memory agents", b);
    }
  }

  /** One testkit Consul agent per Mesos agent, all on one port, and a bridge over the real agent pool. */
  @State(Scope.Benchmark)
  public static class Testkit {
    final List<ConsulTestAgent> consul = new ArrayList<>();
    BridgeHandle bridge;
    long writesAfterSetUp;

    @Setup(Level.Trial)
    public void setUp(BridgePassBenchmark b) throws Exception {
      RuntimeException last = null;
      for (int attempt = 0; attempt < 10 && consul.isEmpty(); attempt++) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(b.hosts.get(0)))) {
          b.consulPort = s.getLocalPort();
        }
        try {
          for (String host : b.hosts) {
            consul.add(ConsulTestAgent.builder().bindAddress(host).httpPort(b.consulPort)
                .nodeName("node-" + host).nodeAddress(host).runChecks(false).start());
          }
        } catch (RuntimeException e) {
          consul.forEach(ConsulTestAgent::close);
          consul.clear();
          last = e;
        }
      }
      if (consul.isEmpty()) {
        throw last;
      }
      bridge = b.bridge(null);
      long before = writes();
      requireNoWrites("the bridge's second pass over HTTP", bridge.runPass().counts(), writes() - before);
      writesAfterSetUp = writes();
    }

    long writes() {
      long n = 0;
      for (ConsulTestAgent a : consul) {
        for (String path : WRITE_PATHS) {
          n += a.requestCount(path);
        }
      }
      return n;
    }

    @TearDown(Level.Trial)
    public void tearDown(BridgePassBenchmark b) {
      long writes = writes() - writesAfterSetUp;
      bridge.close();
      consul.forEach(ConsulTestAgent::close);
      if (writes != 0) {
        throw new IllegalStateException(writes + " write(s) to the testkit agents during the measured passes");
      }
      report("testkit agents over HTTP", b);
    }
  }

  @Benchmark
  public Plan plan() throws StateParseException {
    return planner.plan(StateParser.parse(state), List.<MesosMaster>of());
  }

  @Benchmark
  public Counts reconcile(InMemory s) throws InterruptedException {
    return s.reconciler.reconcile(s.desired);
  }

  @Benchmark
  public PassResult fullPass(InMemory s) throws InterruptedException {
    return pass(s.bridge);
  }

  @Benchmark
  public PassResult fullPassOverHttp(Testkit s) throws InterruptedException {
    return pass(s.bridge);
  }

  private static PassResult pass(BridgeHandle bridge) throws InterruptedException {
    PassResult pass = bridge.runPass();
    if (!pass.success() || pass.counts().errors() != 0) {
      throw new IllegalStateException("pass failed: " + pass.message());
    }
    return pass;
  }

  /**
   * Consul agents in memory, keyed by host, behaving as the agent API does for what the reconciler uses
   * (maintenance kept through re-registration, gone with the service); counts every write.
   */
  static final class InMemoryAgents implements ConsulAgents {
    final LongAdder writes = new LongAdder();
    private final Map<String, Map<String, RemoteService>> services = new ConcurrentHashMap<>();
    private final Set<String> maintenance = ConcurrentHashMap.newKeySet();

    private Map<String, RemoteService> on(String agent) {
      return services.computeIfAbsent(agent, a -> new ConcurrentHashMap<>());
    }

    @Override
    public List<RemoteService> services(String agent) {
      List<RemoteService> out = new ArrayList<>();
      for (RemoteService r : on(agent).values()) {
        out.add(maintenance.contains(agent + " " + r.id())
            ? new RemoteService(r.id(), r.name(), r.address(), r.port(), r.tags(), r.meta(), true) : r);
      }
      return out;
    }

    @Override
    public void register(String agent, DesiredService s) {
      writes.increment();
      on(agent).put(s.id(), new RemoteService(s.id(), s.name(), s.address(), s.port(), s.tags(), s.meta(), false));
    }

    @Override
    public void deregister(String agent, String serviceId) {
      writes.increment();
      on(agent).remove(serviceId);
      maintenance.remove(agent + " " + serviceId);
    }

    @Override
    public void maintenance(String agent, String serviceId, boolean enable, String reason) {
      writes.increment();
      if (enable) {
        maintenance.add(agent + " " + serviceId);
      } else {
        maintenance.remove(agent + " " + serviceId);
      }
    }

    @Override
    public String describe(String agent) {
      return "in-memory agent " + agent;
    }

    @Override
    public void close() {}
  }
}
