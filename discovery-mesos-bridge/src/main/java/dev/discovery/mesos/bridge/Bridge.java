package dev.discovery.mesos.bridge;

import dev.discovery.mesos.plan.DesiredService;
import dev.discovery.mesos.plan.MesosMaster;
import dev.discovery.mesos.plan.Plan;
import dev.discovery.mesos.plan.Planner;
import dev.discovery.mesos.state.Pid;
import dev.discovery.mesos.zk.MasterInfo;
import dev.discovery.mesos.zk.MasterSet;
import dev.discovery.mesos.zk.MesosLeaderDetector;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running bridge: each pass finds the Mesos leader, reads its state, plans, and reconciles the
 * Consul agents. Passes run one at a time on one thread; a pass that cannot read Mesos changes
 * nothing in Consul.
 */
final class Bridge implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);
  static final String CENTRAL = "consul-agent";

  /** What one pass did; {@code plan} and {@code result} are null when the pass was skipped. */
  record Pass(boolean success, boolean active, String message, Plan plan, Reconciler.Result result) {}

  private final BridgeConfig cfg;
  private final ConsulAgents agents;
  private final CuratorFramework zk;
  private final PrintStream out;
  private final Planner planner;
  private final MesosStateClient mesos;
  private final Metrics metrics = new Metrics();
  private final Reconciler reconciler;
  private final ExecutorService pool;
  private final ScheduledExecutorService scheduler;
  private final AtomicReference<String> lastError = new AtomicReference<>("no pass yet");
  private MesosLeaderDetector detector;
  private LeaderLatch latch;
  private HealthServer health;
  private volatile boolean scheduled;

  /**
   * @param zk a started Curator client on the --zk ensemble, or null when neither ZooKeeper
   *     discovery nor leader election is used
   */
  Bridge(BridgeConfig cfg, ConsulAgents agents, CuratorFramework zk, OkHttpClient http, PrintStream out) {
    this.cfg = cfg;
    this.agents = agents;
    this.zk = zk;
    this.out = out;
    this.planner = new Planner(cfg.plan);
    OkHttpClient mesosHttp = http.newBuilder().connectTimeout(cfg.mesosTimeout).readTimeout(cfg.mesosTimeout)
        .callTimeout(cfg.mesosTimeout.multipliedBy(2)).build();
    this.mesos = new MesosStateClient(mesosHttp, cfg.mesosAuthorization, cfg.mesosMaxStateBytes);
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(16, r -> daemon(r, "mesos-bridge-agent-" + n.incrementAndGet()));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "mesos-bridge-pass"));
    this.reconciler = Reconciler.from(cfg, agents, metrics, pool);
  }

  /** Starts leader detection, leader election and the health server; passes are run by the caller or {@link #schedule()}. */
  void start() throws Exception {
    if (cfg.mesos == null) {
      // A new leader is acted on at once rather than at the next --refresh tick.
      detector = new MesosLeaderDetector(zk, cfg.zk.path(), set -> {
        if (scheduled && !scheduler.isShutdown()) {
          scheduler.execute(this::runPassSafely);
        }
      });
      detector.start();
    }
    if (cfg.leaderElection) {
      latch = new LeaderLatch(zk, cfg.leaderElectionPath, java.util.UUID.randomUUID().toString());
      latch.addListener(new LeaderLatchListener() {
        @Override
        public void isLeader() {
          LOG.info("this bridge is now the active one");
          reconciler.reset();
          if (scheduled && !scheduler.isShutdown()) {
            scheduler.execute(Bridge.this::runPassSafely);
          }
        }

        @Override
        public void notLeader() {
          LOG.info("this bridge is on standby; another one is active");
        }
      });
      latch.start();
    }
    if (cfg.healthcheck) {
      InetSocketAddress bind = cfg.healthcheckIp.isEmpty() ? new InetSocketAddress(cfg.healthcheckPort)
          : new InetSocketAddress(cfg.healthcheckIp, cfg.healthcheckPort);
      try {
        health = new HealthServer(bind, this::health, metrics);
      } catch (IOException e) {
        throw new IOException("--healthcheck-port: cannot listen on " + bind + ": " + e.getMessage(), e);
      }
      LOG.info("serving /health and /metrics on {}", health.address());
    }
  }

  /** Runs passes every {@code --refresh}, the first at once. */
  void schedule() {
    scheduled = true;
    scheduler.scheduleWithFixedDelay(this::runPassSafely, 0, cfg.refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void runPassSafely() {
    try {
      runPass();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("pass failed unexpectedly; the next one runs as scheduled", e);
    }
  }

  /** Whether this bridge is the one that writes (always, without --leader-election). */
  boolean active() {
    return latch == null || latch.hasLeadership();
  }

  /** Runs one pass now. */
  synchronized Pass runPass() throws InterruptedException {
    if (!active()) {
      return new Pass(true, false, "standby", null, null);
    }
    long start = System.nanoTime();
    HttpUrl master;
    List<MesosMaster> masters = new ArrayList<>();
    if (cfg.mesos != null) {
      master = HttpUrl.get(cfg.mesos);
    } else {
      MasterSet set = detector.current();
      if (set.leader() == null) {
        return failed(start, "no leading Mesos master known in ZooKeeper " + cfg.zk + "; nothing changed in Consul");
      }
      master = HttpUrl.get(set.leader().baseUrl());
      for (MasterInfo m : set.masters()) {
        masters.add(new MesosMaster(m.host(), m.port(), m.id().equals(set.leader().id())));
      }
    }
    MesosStateClient.Fetched fetched;
    try {
      fetched = mesos.fetch(master);
    } catch (MesosUnavailableException e) {
      metrics.mesosErrors.increment();
      return failed(start, "Mesos state unavailable, pass skipped, nothing changed in Consul: " + e.getMessage());
    }
    if (cfg.mesos != null && fetched.state().leader() != null) {
      Pid.parse(fetched.state().leader()).ifPresent(p -> masters.add(new MesosMaster(p.host(), p.port(), true)));
    } else if (cfg.mesos == null) {
      // The leader may have changed while the state was read (a master that stepped down sent us on to the
      // new one): tag the masters ZooKeeper knows now, leader first of all the one whose state is used.
      List<MesosMaster> now = mastersNow(List.copyOf(masters), fetched.master());
      masters.clear();
      masters.addAll(now);
    }
    Plan plan = planner.plan(fetched.state(), masters);
    for (String w : plan.warnings()) {
      LOG.warn("{}", w);
    }
    metrics.tasksSeen.set(plan.runningTasks());
    metrics.servicesDesired.set(plan.serviceCount());
    if (cfg.dryRun) {
      out.print("dry run: plan from " + fetched.master() + "\n" + plan.describe());
      out.flush();
    }
    if (!active()) {
      // Reading the state can take seconds; another bridge may have taken over meanwhile and writes now.
      LOG.info("this bridge lost the leadership while it read the Mesos state; pass dropped, nothing changed");
      return new Pass(true, false, "standby: leadership lost during the pass", null, null);
    }
    Reconciler.Result result = reconciler.reconcile(byAgent(plan), this::active);
    if (result.agentsSkipped() > 0) {
      LOG.info("this bridge lost the leadership during the pass; {} agent(s) left to the active bridge",
          result.agentsSkipped());
    }
    if (cfg.dryRun) {
      StringBuilder sb = new StringBuilder();
      for (String action : result.dryRunActions()) {
        sb.append("dry run: would ").append(action).append('\n');
      }
      sb.append("dry run: ").append(result.dryRunActions().size()).append(" change(s) not made\n");
      out.print(sb);
      out.flush();
    }
    long took = System.nanoTime() - start;
    metrics.passDone(took, true, System.currentTimeMillis());
    lastError.set("");
    String msg = String.format("pass done in %d ms: %d running task(s), %d service(s) planned on %d agent(s);"
            + " registered %d, deregistered %d, maintenance changes %d; %d agent(s) failed, %d backing off",
        TimeUnit.NANOSECONDS.toMillis(took), plan.runningTasks(), plan.serviceCount(), plan.byHost().size(),
        result.registered(), result.deregistered(), result.maintenanceChanges(), result.agentsFailed(),
        result.agentsDeferred());
    if (result.registered() + result.deregistered() + result.maintenanceChanges() + result.agentsFailed() > 0) {
      LOG.info(msg);
    } else {
      LOG.debug(msg);
    }
    return new Pass(true, true, msg, plan, result);
  }

  /**
   * The masters in ZooKeeper now, with {@code source} (where the state was read) as the leader when ZooKeeper
   * lists it, else ZooKeeper's leader; {@code atStart} when ZooKeeper knows no leader at the moment.
   */
  private List<MesosMaster> mastersNow(List<MesosMaster> atStart, HttpUrl source) {
    MasterSet now = detector.current();
    if (now.leader() == null) {
      return atStart;
    }
    boolean sourceListed = now.masters().stream().anyMatch(m -> sameAddress(m, source));
    List<MesosMaster> masters = new ArrayList<>();
    for (MasterInfo m : now.masters()) {
      boolean leads = sourceListed ? sameAddress(m, source) : m.id().equals(now.leader().id());
      masters.add(new MesosMaster(m.host(), m.port(), leads));
    }
    return masters;
  }

  private static boolean sameAddress(MasterInfo m, HttpUrl url) {
    HttpUrl base = HttpUrl.parse(m.baseUrl());
    return base != null && base.port() == url.port() && base.host().equals(url.host());
  }

  private Pass failed(long start, String message) {
    LOG.error(message);
    lastError.set(message);
    metrics.passDone(System.nanoTime() - start, false, 0);
    return new Pass(false, true, message, null, null);
  }

  private Map<String, Map<String, DesiredService>> byAgent(Plan plan) {
    if (cfg.consulAgent == null) {
      return plan.byHost();
    }
    Map<String, DesiredService> all = new LinkedHashMap<>();
    plan.byHost().values().forEach(all::putAll);
    return Map.of(CENTRAL, all);
  }

  HealthServer.Status health() {
    if (!active()) {
      return new HealthServer.Status(true, "OK standby: another bridge is active");
    }
    long last = metrics.lastSuccessEpochMillis.get();
    if (last == 0) {
      return new HealthServer.Status(false, "NOT READY: no successful pass yet (" + lastError.get() + ")");
    }
    long age = System.currentTimeMillis() - last;
    long window = cfg.refresh.multipliedBy(3).plus(cfg.mesosTimeout.multipliedBy(2)).toMillis();
    if (age > window) {
      return new HealthServer.Status(false, "NOT READY: last successful pass " + age / 1000 + " s ago ("
          + lastError.get() + ")");
    }
    return new HealthServer.Status(true, "OK");
  }

  Metrics metrics() {
    return metrics;
  }

  InetSocketAddress healthAddress() {
    return health == null ? null : health.address();
  }

  MesosLeaderDetector detector() {
    return detector;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.shutdownNow();
    if (health != null) {
      health.close();
    }
    if (latch != null) {
      try {
        latch.close();
      } catch (IOException | IllegalStateException e) {
        LOG.debug("closing leader latch", e);
      }
    }
    if (detector != null) {
      detector.close();
    }
    agents.close();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
