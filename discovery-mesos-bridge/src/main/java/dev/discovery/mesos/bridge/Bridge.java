package dev.discovery.mesos.bridge;

import dev.discovery.mesos.plan.DesiredService;
import dev.discovery.mesos.plan.MesosMaster;
import dev.discovery.mesos.plan.Plan;
import dev.discovery.mesos.plan.Planner;
import dev.discovery.mesos.state.Pid;
import dev.discovery.mesos.zk.MasterInfo;
import dev.discovery.mesos.zk.MasterSet;
import dev.discovery.mesos.zk.MesosLeaderDetector;
import dev.discovery.mesos.zk.NoLeader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
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

  /**
   * What this bridge does now, as {@code /health} and the {@code mesos_bridge_role} gauge show it: {@code ACTIVE}
   * writes to Consul (always, without --leader-election); {@code STANDBY} waits while another bridge is active;
   * {@code ELECTING} is not placed in the leader election yet (just started, or its ZooKeeper connection is down).
   */
  enum Role {
    ACTIVE, STANDBY, ELECTING;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

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
  /** This bridge's participant ID in the leader election: where it runs, so a standby can name the active one. */
  private final String participantId;
  private final Object roleLock = new Object();
  /** The active bridge's participant ID as this standby last read it; null unless on standby. */
  private String activeBridge;
  /** What was last said at INFO about the role (an active bridge's ID, or "active"), so it is said once. */
  private String announced;
  /** The ZooKeeper connection state (SUSPENDED, LOST) while a bridge that is not active is cut off; else null. */
  private String cutOff;
  /** Whether Curator last said this bridge is the active one (isLeader, not yet notLeader). */
  private boolean lastActive;
  private volatile long electingSinceMillis = System.currentTimeMillis();
  private final Watcher electionWatcher = event -> {
    if (event.getType() != Watcher.Event.EventType.None) {
      scheduleRoleCheck();
    }
  };
  private final ConnectionStateListener electionConnection = this::onElectionConnection;
  private ExecutorService roleReader;
  private MesosLeaderDetector detector;
  private boolean firstReadAwaited;
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
    this.participantId = newParticipantId();
    metrics.role(() -> role().label());
  }

  /** {@code host/pid/nonce}: host and pid tell an operator which bridge is active; the nonce keeps IDs apart. */
  private static String newParticipantId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      host = "unknown-host";
    }
    String nonce = java.util.UUID.randomUUID().toString().substring(0, 8);
    return host + "/" + ProcessHandle.current().pid() + "/" + nonce;
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
      roleReader = Executors.newSingleThreadExecutor(r -> daemon(r, "mesos-bridge-role"));
      latch = new LeaderLatch(zk, cfg.leaderElectionPath, participantId);
      latch.addListener(new LeaderLatchListener() {
        @Override
        public void isLeader() {
          synchronized (roleLock) {
            activeBridge = null;
            announced = "active";
            lastActive = true;
          }
          LOG.info("this bridge ({}) is now the active one in the leader election {}; it writes to Consul"
              + " from now on", participantId, election());
          reconciler.reset();
          if (scheduled && !scheduler.isShutdown()) {
            scheduler.execute(Bridge.this::runPassSafely);
          }
        }

        @Override
        public void notLeader() {
          boolean say;
          synchronized (roleLock) {
            activeBridge = null;
            announced = null;
            electingSinceMillis = System.currentTimeMillis();
            // Curator drops the leadership as soon as the connection is suspended: no other bridge need be active.
            // The connection listener may have run first and said so already.
            say = !zk.getZookeeperClient().isConnected() && cutOff == null;
            if (say) {
              cutOff = ConnectionState.SUSPENDED.name();
            }
            lastActive = false;
          }
          if (say) {
            warnNoLongerActive();
          }
          // Connected or not, the role check says which bridge is active once ZooKeeper can be read.
          scheduleRoleCheck();
        }
      });
      zk.getConnectionStateListenable().addListener(electionConnection);
      latch.start();
      scheduleRoleCheck();
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

  private void onElectionConnection(CuratorFramework client, ConnectionState state) {
    if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
      synchronized (roleLock) {
        cutOff = null;
      }
      // Watches may not survive a new session; read the election again.
      scheduleRoleCheck();
    } else if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
      cutOffFromElection(state);
    }
  }

  /**
   * A bridge that is not active and loses ZooKeeper can neither take over nor know which bridge is active: it is no
   * standby to count on until it is reconnected, so it says so once and shows ELECTING. (An active bridge is told by
   * Curator's notLeader, which says so itself.)
   */
  private void cutOffFromElection(ConnectionState state) {
    if (latch == null || latch.hasLeadership()) {
      return;
    }
    boolean first;
    boolean wasActive;
    synchronized (roleLock) {
      first = cutOff == null;
      wasActive = lastActive;
      cutOff = state.name();
      if (activeBridge != null) {
        electingSinceMillis = System.currentTimeMillis();
      }
      activeBridge = null;
      // Said again once it is back on standby.
      announced = null;
    }
    if (first && wasActive) {
      warnNoLongerActive(); // the latch dropped the leadership, and its notLeader is yet to come
    } else if (first) {
      LOG.warn("this bridge ({}) is cut off from the leader election {}: its ZooKeeper connection is {}; it cannot"
          + " take over or tell which bridge is active until it is reconnected, and writes nothing to Consul"
          + " meanwhile", participantId, election(), state);
    }
  }

  private void warnNoLongerActive() {
    LOG.warn("this bridge ({}) is no longer the active one: its ZooKeeper connection to {} is down; it"
        + " writes nothing to Consul until it is reconnected and elected again", participantId, election());
  }

  private void scheduleRoleCheck() {
    ExecutorService reader = roleReader;
    if (reader == null || reader.isShutdown()) {
      return;
    }
    try {
      reader.execute(this::checkRole);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * Reads the election from ZooKeeper (and watches it again), and says once at INFO when this bridge is on
   * standby and which bridge is active. Curator tells a latch only when it gains or loses the leadership, never
   * that it starts out behind another one, so a bridge that starts as standby would otherwise say nothing.
   */
  private void checkRole() {
    if (latch == null || latch.hasLeadership()) {
      return;
    }
    Collection<Participant> participants;
    try {
      // Watch first, so a change after this read is not missed.
      zk.getChildren().usingWatcher(electionWatcher).forPath(cfg.leaderElectionPath);
      participants = latch.getParticipants();
    } catch (KeeperException.NoNodeException e) {
      // The latch has not created its path yet; its node's creation fires this watch. If the path appeared
      // between the two reads, that watch never fires for children: read again instead.
      try {
        if (zk.checkExists().usingWatcher(electionWatcher).forPath(cfg.leaderElectionPath) != null) {
          scheduleRoleCheck();
        }
      } catch (Exception ex) {
        LOG.debug("cannot watch {} for creation", cfg.leaderElectionPath, ex);
      }
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      // ZooKeeper unreachable: the reconnect listener checks again.
      LOG.debug("cannot read the leader election under {}: {}", cfg.leaderElectionPath, e.toString());
      return;
    }
    boolean placed = false;
    String leader = null;
    for (Participant p : participants) {
      placed |= p.getId().equals(participantId);
      if (p.isLeader()) {
        leader = p.getId();
      }
    }
    String say = null;
    synchronized (roleLock) {
      if (latch.hasLeadership()) {
        return; // became active meanwhile; isLeader said so
      }
      if (cutOff != null) {
        return; // a read that raced the disconnection; the reconnect reads again
      }
      if (!placed || leader == null || leader.equals(participantId)) {
        // Not in the election yet, or first in it and about to be told so by Curator: not standby.
        if (activeBridge != null) {
          electingSinceMillis = System.currentTimeMillis();
        }
        activeBridge = null;
        return;
      }
      activeBridge = leader;
      if (!leader.equals(announced)) {
        say = announced == null || announced.equals("active")
            ? "this bridge ({}) is on standby: bridge {} is active in the leader election {}; this one writes"
                + " nothing to Consul until it takes over"
            : "this bridge ({}) stays on standby: bridge {} is now the active one in the leader election {}";
        announced = leader;
      }
    }
    if (say != null) {
      LOG.info(say, participantId, leader, election());
    }
  }

  /**
   * The latch's path on the ensemble, e.g. {@code zk://h1:2181,h2:2181/discovery-mesos-bridge/leader}: an absolute
   * path, not one under the Mesos path of --zk. Never with ZooKeeper credentials.
   */
  private String election() {
    return "zk://" + cfg.zk.connectString() + cfg.leaderElectionPath;
  }

  /** What this bridge does now; see {@link Role}. */
  Role role() {
    if (latch == null || latch.hasLeadership()) {
      return Role.ACTIVE;
    }
    synchronized (roleLock) {
      return activeBridge != null ? Role.STANDBY : Role.ELECTING;
    }
  }

  /** This bridge's ID in the leader election ({@code host/pid/nonce}). */
  String participantId() {
    return participantId;
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
      // The bridge is closing (shutdownNow): not a failure of Mesos or Consul, so nothing at ERROR.
      LOG.debug("pass interrupted: {}", e.getMessage());
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
      if (role() == Role.ELECTING) {
        // A missed watch must not leave a standby unannounced: each idle pass has the election read again, on the
        // role thread, so that a ZooKeeper outage never holds up the pass thread.
        scheduleRoleCheck();
      }
      return new Pass(true, false, role().label(), null, null);
    }
    long start = System.nanoTime();
    HttpUrl master;
    List<MesosMaster> masters = new ArrayList<>();
    if (cfg.mesos != null) {
      master = HttpUrl.get(cfg.mesos);
    } else {
      if (!firstReadAwaited) {
        firstReadAwaited = true;
        awaitFirstZooKeeperRead();
      }
      MasterSet set = detector.current();
      if (set.leader() == null) {
        return failed(start, noLeaderMessage());
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
   * The pass ERROR when no leading master is known: what ZooKeeper said (not read yet, a refused read, no path, no
   * master, an unreadable leader's node), since each has its own fix.
   */
  private String noLeaderMessage() {
    String unchanged = "; nothing changed in Consul; ";
    if (!detector.loaded()) {
      String error = detector.readError();
      if (error == null) {
        return "no leading Mesos master known: ZooKeeper " + cfg.zk + " has not been read yet (not connected, or"
            + " still retrying)" + unchanged + "check --zk and that ZooKeeper is reachable from this host";
      }
      boolean auth = error.contains("NoAuth") || error.contains("AuthFailed");
      return "no leading Mesos master known: ZooKeeper " + cfg.zk + " refused the read of " + cfg.zk.path() + ": "
          + error + unchanged + (auth ? "check that the user:password in --zk (digest) is one the ACL on "
              + cfg.zk.path() + " lets read; it is read again with back-off"
              : "it is read again with back-off; check the ZooKeeper server's log");
    }
    NoLeader why = detector.noLeader();
    if (why == null) {
      // Read, then the leader went between the detector's read and this pass: the next read names it.
      return "no leading Mesos master known in ZooKeeper " + cfg.zk + " at the moment" + unchanged
          + "the next pass tries again";
    }
    return switch (why.reason()) {
      case PATH_MISSING -> "no leading Mesos master in ZooKeeper " + cfg.zk + ": " + why.detail() + unchanged
          + "check that --zk names the path the Mesos masters use (their --zk)";
      case NO_MASTERS -> "no leading Mesos master registered in ZooKeeper " + cfg.zk + ": " + why.detail()
          + unchanged + "are the Mesos masters running? None is registered there now";
      case LEADER_UNREADABLE -> "no leading Mesos master known in ZooKeeper " + cfg.zk + ": " + why.detail()
          + unchanged + "the lowest json.info_ node is the leader's, so no other master is taken for it; check the"
          + " masters' Mesos version (0.24 or later writes JSON)";
    };
  }

  /**
   * Gives the ZooKeeper detector, started at the same time as the first pass, a bounded time for its first read,
   * so that a normal start does not report "no leader" for the few milliseconds before it has read anything.
   * Quiet for a moment, then one INFO line says what it waits for.
   */
  private void awaitFirstZooKeeperRead() throws InterruptedException {
    Duration wait = cfg.zkFirstReadWait;
    Duration quiet = wait.dividedBy(2).compareTo(Duration.ofSeconds(1)) < 0 ? wait.dividedBy(2) : Duration.ofSeconds(1);
    if (detector.awaitFirstRead(quiet)) {
      return;
    }
    LOG.info("waiting up to {} s for the first read of the Mesos masters from ZooKeeper {} before the first pass",
        Math.max(1, wait.toSeconds()), cfg.zk);
    if (detector.awaitFirstRead(wait.minus(quiet))) {
      LOG.info("ZooKeeper {} read; starting the first pass", cfg.zk);
    }
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

  /**
   * What {@code /health} answers: the role (with --leader-election), and for the active bridge whether its last
   * successful pass is recent. A standby is ready; a bridge not placed in the election is ready only within the
   * same window an active one has for a fresh pass.
   */
  HealthServer.Status health() {
    long window = cfg.refresh.multipliedBy(3).plus(cfg.mesosTimeout.multipliedBy(2)).toMillis();
    Role role = role();
    if (role == Role.STANDBY) {
      String active;
      synchronized (roleLock) {
        active = activeBridge;
      }
      return new HealthServer.Status(true, "OK standby: bridge " + active + " is active; this one writes nothing"
          + " to Consul until it takes over");
    }
    if (role == Role.ELECTING) {
      long age = System.currentTimeMillis() - electingSinceMillis;
      String where = "the leader election " + election();
      String down;
      synchronized (roleLock) {
        down = cutOff;
      }
      if (down != null && age <= window) {
        return new HealthServer.Status(true, "OK electing: cut off from " + where + " (ZooKeeper connection " + down
            + "); this bridge cannot take over and writes nothing to Consul until it is reconnected");
      }
      if (age <= window) {
        return new HealthServer.Status(true, "OK electing: joining " + where + "; this bridge writes nothing to"
            + " Consul until it is active");
      }
      return new HealthServer.Status(false, "NOT READY: not placed in " + where + " for " + age / 1000 + " s"
          + (down != null ? " (ZooKeeper connection " + down + ")" : "") + "; check that ZooKeeper is reachable (--zk)");
    }
    String active = latch == null ? "" : "active, but ";
    long last = metrics.lastSuccessEpochMillis.get();
    if (last == 0) {
      return new HealthServer.Status(false, "NOT READY: " + active + "no successful pass yet (" + lastError.get()
          + ")");
    }
    long age = System.currentTimeMillis() - last;
    if (age > window) {
      return new HealthServer.Status(false, "NOT READY: " + active + "last successful pass " + age / 1000
          + " s ago (" + lastError.get() + ")");
    }
    return new HealthServer.Status(true, latch == null ? "OK" : "OK active");
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
    if (roleReader != null) {
      zk.getConnectionStateListenable().removeListener(electionConnection);
      roleReader.shutdownNow();
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
