package dev.discovery.mesos.bridge;

import dev.discovery.mesos.plan.DesiredService;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import okhttp3.OkHttpClient;

/**
 * <b>Internal: for this project's benchmarks and tools; not API, may change in any release.</b>
 *
 * <p>The one way in to the bridge's pass from outside this package, in the manner of gRPC-java's
 * {@code Internal*} accessors: a bridge or a reconciler built exactly as {@code discovery-mesos-bridge.jar} builds
 * them from its flags, over any {@link ConsulAgents} (the benchmarks' in-memory agents) or over the real HTTP
 * agent pool, and what one pass did, in counts. The bridge's classes themselves stay package-private; the jar's
 * only supported interface is its command line.
 */
public final class InternalBridgeAccess {
  private InternalBridgeAccess() {}

  /**
   * What a reconcile did (all of a pass's writes). A steady-state pass has every write count at zero.
   *
   * @param errors calls to an agent that failed
   */
  public record Counts(int registered, int deregistered, int maintenanceChanges, int errors) {
    static Counts of(Reconciler.Result r) {
      return new Counts(r.registered(), r.deregistered(), r.maintenanceChanges(), r.errors());
    }
  }

  /**
   * What one bridge pass did.
   *
   * @param success false when the pass could not read Mesos (nothing was written then)
   * @param message the line the bridge logs for the pass, or why it failed
   * @param counts what the reconcile did, or null when there was none (a failed or standby pass)
   */
  public record PassResult(boolean success, String message, Counts counts) {}

  /**
   * A bridge built from {@code flags} as the jar builds it, over the agent pool those flags describe (HTTP to the
   * Consul agents, with their token, TLS and time-out), and started; otherwise as
   * {@link #bridge(ConsulAgents, String...)}.
   */
  public static BridgeHandle bridgeOverAgentPool(String... flags) throws Exception {
    BridgeConfig cfg = parse(flags);
    return start(cfg, ConsulAgentPool.from(cfg));
  }

  /**
   * A bridge built from {@code flags} as the jar builds it, but talking to {@code agents} instead of its HTTP agent
   * pool, and started. No passes are scheduled: the caller runs them with {@link BridgeHandle#runPass()}. No
   * ZooKeeper client is made, so the flags must name the master ({@code --mesos}) and not ask for
   * {@code --leader-election}. The environment is not read, and dry-run output is discarded. Closing the handle
   * closes {@code agents}.
   *
   * @throws IllegalArgumentException if the jar would refuse the flags, or they need ZooKeeper (the message says
   *     why)
   */
  public static BridgeHandle bridge(ConsulAgents agents, String... flags) throws Exception {
    return start(parse(flags), Objects.requireNonNull(agents, "agents"));
  }

  /**
   * The reconciler a bridge built from {@code flags} would run (its service ID prefix, heartbeats before remove,
   * dry run, agent back-off), over {@code agents}, reconciling agents in parallel on {@code pool} (the bridge's
   * pool has 16 threads). Its metrics are its own and not served anywhere.
   *
   * @throws IllegalArgumentException if the jar would refuse the flags (the message says why)
   */
  public static ReconcilerHandle reconciler(ConsulAgents agents, ExecutorService pool, String... flags) {
    return new ReconcilerHandle(Reconciler.from(parse(flags), Objects.requireNonNull(agents, "agents"),
        new Metrics(), Objects.requireNonNull(pool, "pool")));
  }

  /** A started bridge whose passes the caller runs. */
  public static final class BridgeHandle implements AutoCloseable {
    private final Bridge bridge;

    private BridgeHandle(Bridge bridge) {
      this.bridge = bridge;
    }

    /** Runs one pass now: read the Mesos state, plan, reconcile. */
    public PassResult runPass() throws InterruptedException {
      Bridge.Pass p = bridge.runPass();
      return new PassResult(p.success(), p.message(), p.result() == null ? null : Counts.of(p.result()));
    }

    /** Stops the bridge's threads and closes its agents. */
    @Override
    public void close() {
      bridge.close();
    }
  }

  /** A reconciler, which remembers what it saw of each agent from one reconcile to the next as the bridge's does. */
  public static final class ReconcilerHandle {
    private final Reconciler reconciler;

    private ReconcilerHandle(Reconciler reconciler) {
      this.reconciler = reconciler;
    }

    /**
     * Brings every agent in line with {@code desired} (services by agent key, as {@code Plan.byHost()} gives
     * them), as one pass of the bridge does.
     */
    public Counts reconcile(Map<String, Map<String, DesiredService>> desired) throws InterruptedException {
      return Counts.of(reconciler.reconcile(desired));
    }
  }

  private static BridgeConfig parse(String[] flags) {
    StringWriter err = new StringWriter();
    // An empty environment: what is measured must not depend on MESOS_CONSUL_* variables of the shell.
    Main.Parsed parsed = Main.parse(flags.clone(), Map.of(), new PrintWriter(new StringWriter()),
        new PrintWriter(err, true));
    if (parsed.config() == null) {
      throw new IllegalArgumentException("flags the bridge refuses: " + err.toString().strip());
    }
    return parsed.config();
  }

  private static BridgeHandle start(BridgeConfig cfg, ConsulAgents agents) throws Exception {
    if (cfg.mesos == null || cfg.leaderElection) {
      agents.close(); // the handle that would have closed them is never made
      throw new IllegalArgumentException("these flags need ZooKeeper (no --mesos, or --leader-election),"
          + " and no ZooKeeper client is made here");
    }
    Bridge b = new Bridge(cfg, agents, null, new OkHttpClient(),
        new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
    try {
      b.start();
    } catch (Exception | Error e) {
      b.close();
      throw e;
    }
    return new BridgeHandle(b);
  }
}
