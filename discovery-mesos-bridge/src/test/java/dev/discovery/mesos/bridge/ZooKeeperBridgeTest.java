package dev.discovery.mesos.bridge;

import static dev.discovery.mesos.bridge.BridgeIntegrationTest.awaitDeadline;
import static dev.discovery.mesos.bridge.Cluster.AGENT_A;
import static dev.discovery.mesos.bridge.Cluster.AGENT_B;
import static dev.discovery.mesos.bridge.Cluster.MASTER_HOST;
import static dev.discovery.mesos.bridge.Cluster.TASK_ID_ON_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.consul.AgentService;
import dev.discovery.mesos.zk.ZkUrl;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leader detection through a real ZooKeeper, leader change, and two bridges under leader election. */
class ZooKeeperBridgeTest {
  private TestingServer zk;
  private Cluster cluster;
  private CapturedLogs logs;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer(true);
    cluster = new Cluster();
    logs = new CapturedLogs();
  }

  @AfterEach
  void stop() throws Exception {
    logs.close();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    cluster.close();
    zk.close();
    http.dispatcher().executorService().shutdown();
  }

  private CuratorFramework client() throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
        .sessionTimeoutMs(5_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100)).build();
    c.start();
    assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    closeables.add(c);
    return c;
  }

  /** Announces a master in ZooKeeper as a Mesos master's contender does. */
  private CuratorFramework announce(String id, int port) throws Exception {
    CuratorFramework session = client();
    String json = "{\"address\":{\"hostname\":\"m\",\"ip\":\"" + MASTER_HOST + "\",\"port\":" + port + "},\"hostname\":\"m\","
        + "\"id\":\"" + id + "\",\"ip\":67108991,\"pid\":\"master@" + MASTER_HOST + ":" + port + "\",\"port\":" + port
        + ",\"version\":\"1.8.0\"}";
    session.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/mesos/json.info_", json.getBytes(StandardCharsets.UTF_8));
    return session;
  }

  private MockWebServer secondMaster(Dispatcher dispatcher) throws Exception {
    MockWebServer m = new MockWebServer();
    m.setDispatcher(dispatcher);
    m.start(InetAddress.getByName(MASTER_HOST), 0);
    closeables.add(m::shutdown);
    return m;
  }

  private Bridge bridge(BridgeConfig cfg, CuratorFramework client) throws Exception {
    ConsulAgents agents = new ConsulAgentPool(cfg::agentUri, null, null, cfg.consulTimeout, null);
    Bridge b = new Bridge(cfg, agents, client, http, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    closeables.add(b);
    b.start();
    return b;
  }

  @Test
  void followsTheLeaderFromZooKeeperThroughALeaderChange() throws Exception {
    int firstPort = cluster.master.getPort();
    MockWebServer second = secondMaster(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setBody(cluster.state().replace(MASTER_HOST + ":" + firstPort,
            MASTER_HOST + ":" + request.getRequestUrl().port()));
      }
    });
    CuratorFramework firstSession = announce("m1", firstPort);
    announce("m2", second.getPort());

    BridgeConfig cfg = cluster.config("--zk=zk://" + zk.getConnectString() + "/mesos");
    cfg.mesos = null;
    cfg.zk = ZkUrl.parse("zk://" + zk.getConnectString() + "/mesos");
    Bridge b = bridge(cfg, client());
    assertThat(b.detector().awaitLeader(java.time.Duration.ofSeconds(20)).leader().id()).isEqualTo("m1");
    assertThat(b.runPass().success()).isTrue();
    Map<String, AgentService> masters = cluster.services(MASTER_HOST);
    assertThat(masters.get("mesos-consul:mesos:" + MASTER_HOST + ":" + firstPort).tags()).containsExactly("leader", "master");
    assertThat(masters.get("mesos-consul:mesos:" + MASTER_HOST + ":" + second.getPort()).tags()).containsExactly("master");
    assertThat(second.getRequestCount()).isZero();

    firstSession.close(); // the leading master dies; its ephemeral node goes
    awaitDeadline(() -> {
      var leader = b.detector().current().leader();
      return leader != null && leader.id().equals("m2");
    });
    Bridge.Pass pass = b.runPass();
    assertThat(pass.success()).isTrue();
    assertThat(second.getRequestCount()).isPositive();
    masters = cluster.services(MASTER_HOST);
    assertThat(masters).doesNotContainKey("mesos-consul:mesos:" + MASTER_HOST + ":" + firstPort);
    assertThat(masters.get("mesos-consul:mesos:" + MASTER_HOST + ":" + second.getPort()).tags())
        .containsExactly("leader", "master");
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
  }

  @Test
  void noLeaderInZooKeeperSkipsThePassWithoutTouchingConsul() throws Exception {
    BridgeConfig cfg = cluster.config();
    cfg.mesos = null;
    cfg.zk = ZkUrl.parse("zk://" + zk.getConnectString() + "/mesos");
    Bridge b = bridge(cfg, client());
    Bridge.Pass pass = b.runPass();
    assertThat(pass.success()).isFalse();
    assertThat(pass.message()).contains("no leading Mesos master");
    assertThat(cluster.services(AGENT_A)).isEmpty();
    // ZooKeeper was read and really has no master: the ERROR stays, and names what is missing where. Here the path
    // itself is missing, so --zk is what to check.
    assertThat(logs.at(java.util.logging.Level.SEVERE)).containsExactly("SEVERE no leading Mesos master in"
        + " ZooKeeper " + cfg.zk + ": the path /mesos does not exist; nothing changed in Consul; check that"
        + " --zk names the path the Mesos masters use (their --zk)");
  }

  @Test
  void aMesosPathWithoutMastersIsNotBlamedOnTheZkPath() throws Exception {
    client().create().forPath("/mesos"); // the masters used it, and none runs now
    BridgeConfig cfg = zkConfig();
    Bridge b = bridge(cfg, client());
    assertThat(b.runPass().success()).isFalse();
    assertThat(logs.at(java.util.logging.Level.SEVERE)).containsExactly("SEVERE no leading Mesos master registered"
        + " in ZooKeeper " + cfg.zk + ": no json.info_ node under /mesos; nothing changed in Consul; are the Mesos"
        + " masters running? None is registered there now");
    assertThat(cluster.services(AGENT_A)).isEmpty();
  }

  @Test
  void anUnreadableLeadersNodeIsNamedAndTheNextMasterIsNotTakenForTheLeader() throws Exception {
    CuratorFramework c = client();
    String garbage = c.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/mesos/json.info_", "not json".getBytes(StandardCharsets.UTF_8));
    announce("m2", cluster.master.getPort());
    BridgeConfig cfg = zkConfig();
    Bridge b = bridge(cfg, client());
    assertThat(b.runPass().success()).isFalse();
    List<String> errors = logs.at(java.util.logging.Level.SEVERE);
    assertThat(errors).singleElement().asString().startsWith("SEVERE no leading Mesos master known in ZooKeeper "
        + cfg.zk + ": the leading master's node " + garbage + " cannot be read: ")
        .endsWith("; nothing changed in Consul; the lowest json.info_ node is the leader's, so no other master is"
            + " taken for it; check the masters' Mesos version (0.24 or later writes JSON)");
    assertThat(cluster.services(AGENT_A)).isEmpty();
  }

  @Test
  void aReadZooKeeperRefusesIsQuotedAndReadAgainOnceAllowed() throws Exception {
    CuratorFramework admin = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
        .authorization("digest", "mesos:secret".getBytes(StandardCharsets.UTF_8))
        .sessionTimeoutMs(5_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100)).build();
    admin.start();
    closeables.add(admin);
    assertThat(admin.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    admin.create().withACL(org.apache.zookeeper.ZooDefs.Ids.CREATOR_ALL_ACL).forPath("/mesos");
    CuratorFramework wrongDigest = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
        .authorization("digest", "mesos:wrong".getBytes(StandardCharsets.UTF_8))
        .sessionTimeoutMs(5_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100)).build();
    wrongDigest.start();
    closeables.add(wrongDigest);
    BridgeConfig cfg = zkConfig();
    cfg.zk = ZkUrl.parse("zk://mesos:wrong@" + zk.getConnectString() + "/mesos");
    cfg.zkFirstReadWait = java.time.Duration.ofMillis(300);
    Bridge b = bridge(cfg, wrongDigest);
    assertThat(b.runPass().success()).isFalse();
    // Reachable, and it refused: the ERROR says so and quotes ZooKeeper, not "check that it is reachable".
    assertThat(logs.at(java.util.logging.Level.SEVERE)).containsExactly("SEVERE no leading Mesos master known:"
        + " ZooKeeper " + cfg.zk + " refused the read of /mesos: KeeperErrorCode = NoAuth for /mesos; nothing"
        + " changed in Consul; check that the user:password in --zk (digest) is one the ACL on /mesos lets read; it"
        + " is read again with back-off");
    assertThat(logs.lines()).as("credentials never logged").noneMatch(l -> l.contains("wrong"));

    // Once the ACL lets the bridge read, the re-read (no watch, no reconnect: back-off) finds the master.
    admin.setACL().withACL(org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath("/mesos");
    announce("m1", cluster.master.getPort());
    awaitDeadline(() -> b.detector().current().leader() != null);
    assertThat(b.runPass().success()).isTrue();
    assertThat(logs.containing("could not read the Mesos masters")).as("said once while the same error lasts")
        .singleElement().asString().startsWith("WARNING could not read the Mesos masters under /mesos from ZooKeeper "
            + zk.getConnectString() + ": KeeperErrorCode = NoAuth for /mesos; reading again in 200 ms");
  }

  @Test
  void aNormalStartWithZkLogsNoErrorBeforeZooKeeperIsRead() throws Exception {
    announce("m1", cluster.master.getPort());
    Bridge b = bridge(zkConfig(), client());
    b.schedule(); // the first pass at once, as the jar does, racing the detector's first read
    awaitDeadline(() -> cluster.services(AGENT_A).containsKey(TASK_ID_ON_A));
    assertThat(logs.at(java.util.logging.Level.SEVERE)).as("ERROR lines at a normal start").isEmpty();
    assertThat(logs.lines()).noneMatch(l -> l.contains("no leading Mesos master"));
    assertThat(b.metrics().passFailures.sum()).as("failed passes").isZero();
  }

  @Test
  void aZooKeeperThatCannotBeReadIsWaitedForThenNamedAsUnread() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    // Not waited for: nothing listens there.
    CuratorFramework unreachable = CuratorFrameworkFactory.builder().connectString("127.0.0.1:" + closed)
        .sessionTimeoutMs(5_000).connectionTimeoutMs(1_000).retryPolicy(new RetryOneTime(100)).build();
    unreachable.start();
    closeables.add(unreachable);
    BridgeConfig cfg = zkConfig();
    cfg.zk = ZkUrl.parse("zk://127.0.0.1:" + closed + "/mesos");
    cfg.zkFirstReadWait = java.time.Duration.ofMillis(400);
    Bridge b = bridge(cfg, unreachable);
    Bridge.Pass pass = b.runPass();
    assertThat(pass.success()).isFalse();
    assertThat(logs.containing("waiting up to")).containsExactly("INFO waiting up to 1 s for the first read of the"
        + " Mesos masters from ZooKeeper " + cfg.zk + " before the first pass");
    assertThat(logs.at(java.util.logging.Level.SEVERE)).containsExactly("SEVERE no leading Mesos master known:"
        + " ZooKeeper " + cfg.zk + " has not been read yet (not connected, or still retrying); nothing changed in"
        + " Consul; check --zk and that ZooKeeper is reachable from this host");
    assertThat(cluster.services(AGENT_A)).isEmpty();
  }

  @Test
  void aNonLeadingMasterIsFollowedToTheLeader() throws Exception {
    String leaderUrl = cluster.masterUrl();
    MockWebServer redirecting = secondMaster(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setResponseCode(307).setHeader("Location", leaderUrl + "/master/state");
      }
    });
    BridgeConfig cfg = cluster.config();
    cfg.mesos = java.net.URI.create("http://" + MASTER_HOST + ":" + redirecting.getPort());
    Bridge b = bridge(cfg, null);
    assertThat(b.runPass().success()).isTrue();
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);

    // An old master answers with its own state naming another leader instead of redirecting.
    MockWebServer follower = secondMaster(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        int port = request.getRequestUrl().port();
        return new MockResponse().setBody("{\"leader\":\"master@" + MASTER_HOST + ":" + cluster.master.getPort()
            + "\",\"pid\":\"master@" + MASTER_HOST + ":" + port + "\",\"slaves\":[],\"frameworks\":[]}");
      }
    });
    cfg.mesos = java.net.URI.create("http://" + MASTER_HOST + ":" + follower.getPort());
    int before = cluster.master.getRequestCount();
    Bridge b2 = bridge(cfg, null);
    Bridge.Pass pass = b2.runPass();
    assertThat(pass.success()).isTrue();
    assertThat(pass.plan().runningTasks()).isEqualTo(1); // the leader's state, not the follower's empty one
    assertThat(cluster.master.getRequestCount()).isEqualTo(before + 1);
  }

  /**
   * Two bridges under leader election, once one of them is active; each on its own ZooKeeper session, with the
   * given Mesos read time-out (null: the flag's default).
   */
  private record Elected(Bridge active, CuratorFramework activeSession, Bridge standby) {}

  private Elected twoBridgesUnderLeaderElection(java.time.Duration mesosTimeout) throws Exception {
    List<Bridge> bridges = new ArrayList<>();
    List<CuratorFramework> sessions = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      BridgeConfig cfg = cluster.config("--leader-election", "--zk=zk://" + zk.getConnectString() + "/mesos",
          "--leader-election-path=/test/bridge-leader");
      if (mesosTimeout != null) {
        cfg.mesosTimeout = mesosTimeout;
      }
      sessions.add(client());
      bridges.add(bridge(cfg, sessions.get(i)));
    }
    awaitDeadline(() -> bridges.get(0).active() || bridges.get(1).active());
    int a = bridges.get(0).active() ? 0 : 1;
    return new Elected(bridges.get(a), sessions.get(a), bridges.get(1 - a));
  }

  @Test
  void twoBridgesWithLeaderElectionOnlyOneWrites() throws Exception {
    Elected elected = twoBridgesUnderLeaderElection(null);
    Bridge active = elected.active();
    Bridge standby = elected.standby();
    assertThat(standby.active()).isFalse();

    int mesosReads = cluster.master.getRequestCount();
    Bridge.Pass idle = standby.runPass();
    assertThat(idle.active()).isFalse();
    assertThat(cluster.master.getRequestCount()).isEqualTo(mesosReads);
    assertThat(standby.health().ready()).isTrue();
    assertThat(cluster.services(AGENT_A)).isEmpty();

    assertThat(active.runPass().result().registered()).isEqualTo(4);
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);

    active.close();
    elected.activeSession().close();
    awaitDeadline(standby::active);
    Bridge.Pass takeover = standby.runPass();
    assertThat(takeover.success()).isTrue();
    assertThat(takeover.result().registered()).isZero(); // it finds everything in place
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
  }

  private static String get(OkHttpClient http, Bridge b, String path) throws Exception {
    okhttp3.Request request = new okhttp3.Request.Builder()
        .url("http://127.0.0.1:" + b.healthAddress().getPort() + path).build();
    try (okhttp3.Response r = http.newCall(request).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  private static String role(String metrics) {
    return metrics.lines().filter(l -> l.startsWith("mesos_bridge_role{") && l.endsWith("} 1"))
        .map(l -> l.substring(l.indexOf('"') + 1, l.lastIndexOf('"'))).reduce((a, b) -> a + "," + b).orElse("none");
  }

  @Test
  void aStandbySaysSoOnceAndShowsItsRoleInHealthAndMetrics() throws Exception {
    List<Bridge> bridges = new ArrayList<>();
    List<CuratorFramework> sessions = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      BridgeConfig cfg = cluster.config("--leader-election", "--zk=zk://" + zk.getConnectString() + "/mesos",
          "--leader-election-path=/test/roles", "--healthcheck", "--healthcheck-ip=127.0.0.1");
      cfg.healthcheckPort = 0;
      sessions.add(client());
      bridges.add(bridge(cfg, sessions.get(i)));
    }
    awaitDeadline(() -> bridges.stream().map(Bridge::role).toList()
        .containsAll(List.of(Bridge.Role.ACTIVE, Bridge.Role.STANDBY)));
    int a = bridges.get(0).role() == Bridge.Role.ACTIVE ? 0 : 1;
    Bridge active = bridges.get(a);
    Bridge standby = bridges.get(1 - a);
    String standbyLine = "INFO this bridge (" + standby.participantId() + ") is on standby: bridge "
        + active.participantId() + " is active in the leader election zk://" + zk.getConnectString()
        + "/test/roles; this one writes nothing to Consul until it takes over";
    awaitDeadline(() -> !logs.containing("is on standby").isEmpty());
    assertThat(logs.containing("is on standby")).containsExactly(standbyLine);
    assertThat(logs.containing("is now the active one")).singleElement().asString()
        .startsWith("INFO this bridge (" + active.participantId() + ") is now the active one");

    assertThat(get(http, standby, "/health")).isEqualTo("200 OK standby: bridge " + active.participantId()
        + " is active; this one writes nothing to Consul until it takes over\n");
    assertThat(role(get(http, standby, "/metrics"))).isEqualTo("standby");
    assertThat(get(http, active, "/health")).startsWith("503 NOT READY: active, but no successful pass yet");
    assertThat(active.runPass().success()).isTrue();
    assertThat(get(http, active, "/health")).isEqualTo("200 OK active\n");
    assertThat(role(get(http, active, "/metrics"))).isEqualTo("active");

    // Idle passes on the standby say nothing more.
    standby.runPass();
    standby.runPass();
    assertThat(logs.containing("is on standby")).as("said once").containsExactly(standbyLine);

    active.close();
    sessions.get(a).close();
    awaitDeadline(() -> standby.role() == Bridge.Role.ACTIVE);
    assertThat(logs.containing("is now the active one")).hasSize(2).last().asString()
        .startsWith("INFO this bridge (" + standby.participantId() + ") is now the active one");
    assertThat(role(get(http, standby, "/metrics"))).isEqualTo("active");
    assertThat(standby.runPass().success()).isTrue();
    assertThat(get(http, standby, "/health")).isEqualTo("200 OK active\n");
  }

  @Test
  void aStandbyCutOffFromZooKeeperShowsElectingUntilItIsBack() throws Exception {
    List<Bridge> bridges = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      BridgeConfig cfg = cluster.config("--leader-election", "--zk=zk://" + zk.getConnectString() + "/mesos",
          "--leader-election-path=/test/cut", "--healthcheck", "--healthcheck-ip=127.0.0.1", "--refresh=1s");
      cfg.healthcheckPort = 0;
      cfg.mesosTimeout = java.time.Duration.ofMillis(100); // /health's window: 3 x 1 s + 2 x 100 ms
      bridges.add(bridge(cfg, client()));
    }
    awaitDeadline(() -> bridges.stream().map(Bridge::role).toList()
        .containsAll(List.of(Bridge.Role.ACTIVE, Bridge.Role.STANDBY)));
    Bridge active = bridges.get(bridges.get(0).role() == Bridge.Role.ACTIVE ? 0 : 1);
    Bridge standby = bridges.get(bridges.get(0) == active ? 1 : 0);
    String election = "the leader election zk://" + zk.getConnectString() + "/test/cut";

    zk.stop(); // both sessions are cut off
    awaitDeadline(() -> standby.role() == Bridge.Role.ELECTING && active.role() == Bridge.Role.ELECTING);
    // It can no longer take over, nor know who is active: no healthy spare, and it says so once.
    assertThat(get(http, standby, "/health")).isEqualTo("200 OK electing: cut off from " + election
        + " (ZooKeeper connection SUSPENDED); this bridge cannot take over and writes nothing to Consul until it is"
        + " reconnected\n");
    assertThat(role(get(http, standby, "/metrics"))).isEqualTo("electing");
    awaitDeadline(() -> !logs.containing("is cut off").isEmpty());
    assertThat(logs.containing("is cut off")).containsExactly("WARNING this bridge (" + standby.participantId()
        + ") is cut off from " + election + ": its ZooKeeper connection is SUSPENDED; it cannot take over or tell"
        + " which bridge is active until it is reconnected, and writes nothing to Consul meanwhile");
    awaitDeadline(() -> !logs.containing("is no longer the active one").isEmpty());
    assertThat(logs.containing("is no longer the active one")).as("the active one's own line, once")
        .containsExactly("WARNING this bridge (" + active.participantId() + ") is no longer the active one: its"
            + " ZooKeeper connection to zk://" + zk.getConnectString() + "/test/cut is down; it writes nothing to"
            + " Consul until it is reconnected and elected again");
    assertThat(role(get(http, active, "/metrics"))).isEqualTo("electing");
    // Cut off for longer than the window: not ready.
    awaitDeadline(() -> standby.health().text().startsWith("NOT READY"));
    assertThat(get(http, standby, "/health")).matches("503 NOT READY: not placed in "
        + java.util.regex.Pattern.quote(election) + " for \\d+ s \\(ZooKeeper connection (SUSPENDED|LOST)\\); check"
        + " that ZooKeeper is reachable \\(--zk\\)\n");
    standby.runPass();
    assertThat(logs.containing("is cut off")).as("said once, idle passes or not").hasSize(1);

    zk.restart();
    awaitDeadline(() -> bridges.stream().map(Bridge::role).toList()
        .containsAll(List.of(Bridge.Role.ACTIVE, Bridge.Role.STANDBY)));
    Bridge standbyNow = bridges.get(0).role() == Bridge.Role.STANDBY ? bridges.get(0) : bridges.get(1);
    assertThat(get(http, standbyNow, "/health")).startsWith("200 OK standby: bridge ");
    assertThat(role(get(http, standbyNow, "/metrics"))).isEqualTo("standby");
  }

  @Test
  void aBridgeNotYetPlacedInTheElectionSaysItIsJoiningThenNotReady() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    CuratorFramework unreachable = CuratorFrameworkFactory.builder().connectString("127.0.0.1:" + closed)
        .sessionTimeoutMs(5_000).connectionTimeoutMs(1_000).retryPolicy(new RetryOneTime(100)).build();
    unreachable.start();
    closeables.add(unreachable);
    BridgeConfig cfg = cluster.config("--leader-election", "--zk=zk://127.0.0.1:" + closed + "/mesos",
        "--leader-election-path=/test/joining", "--healthcheck", "--healthcheck-ip=127.0.0.1", "--refresh=100ms");
    cfg.healthcheckPort = 0;
    cfg.mesosTimeout = java.time.Duration.ofSeconds(1); // /health's window: 3 x 100 ms + 2 x 1 s
    Bridge b = bridge(cfg, unreachable);
    String election = "the leader election zk://127.0.0.1:" + closed + "/test/joining";
    assertThat(get(http, b, "/health")).isEqualTo("200 OK electing: joining " + election + "; this bridge writes"
        + " nothing to Consul until it is active\n");
    assertThat(role(get(http, b, "/metrics"))).isEqualTo("electing");
    awaitDeadline(() -> b.health().text().startsWith("NOT READY"));
    assertThat(get(http, b, "/health")).matches("503 NOT READY: not placed in "
        + java.util.regex.Pattern.quote(election) + " for \\d+ s( \\(ZooKeeper connection (SUSPENDED|LOST)\\))?; check"
        + " that ZooKeeper is reachable \\(--zk\\)\n");
  }

  @Test
  void aBridgeThatLosesTheLeadershipWhileReadingMesosWritesNothing() throws Exception {
    // The state is held back while the session expires; a read time-out must not end the pass first.
    Elected elected = twoBridgesUnderLeaderElection(java.time.Duration.ofSeconds(30));
    Bridge active = elected.active();

    // The master holds its state answer until the test lets it go.
    java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
    Dispatcher original = cluster.master.getDispatcher();
    cluster.master.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        asked.countDown();
        answer.await(20, TimeUnit.SECONDS);
        return original.dispatch(request);
      }
    });
    java.util.concurrent.CompletableFuture<Bridge.Pass> pass = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return active.runPass();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(asked.await(20, TimeUnit.SECONDS)).as("the pass reads the Mesos state").isTrue();
    elected.activeSession().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    awaitDeadline(() -> !active.active());
    answer.countDown();

    Bridge.Pass dropped = pass.get(30, TimeUnit.SECONDS);
    assertThat(dropped.active()).isFalse();
    assertThat(dropped.result()).as("no reconcile").isNull();
    assertThat(active.metrics().registrations.sum()).as("registrations by the bridge that lost").isZero();

    // Back in the election behind the other bridge, it says once that it is on standby now, and which one is active.
    awaitDeadline(() -> active.role() == Bridge.Role.STANDBY);
    awaitDeadline(() -> !logs.containing("(" + active.participantId() + ") is on standby").isEmpty());
    assertThat(logs.containing("(" + active.participantId() + ") is on standby")).singleElement().asString()
        .contains("bridge " + elected.standby().participantId() + " is active");
  }

  // ---- faults: leader change during a poll, session expiry, threads ----

  private BridgeConfig zkConfig(String... extra) {
    BridgeConfig cfg = cluster.config(extra);
    // Polls are held open while ZooKeeper changes leader; a read time-out must not end them first.
    cfg.mesosTimeout = java.time.Duration.ofSeconds(30);
    cfg.mesos = null;
    cfg.zk = ZkUrl.parse("zk://" + zk.getConnectString() + "/mesos");
    return cfg;
  }

  /** What a master answers once it has lost leadership: its own pid, the new leader's, and nothing else. */
  private static String followerState(int ownPort, int leaderPort) {
    return "{\"leader\":\"master@" + MASTER_HOST + ":" + leaderPort + "\",\"pid\":\"master@" + MASTER_HOST + ":"
        + ownPort + "\",\"slaves\":[],\"frameworks\":[]}";
  }

  /** A second master that leads with {@code state} (the first master's address in it replaced by its own). */
  private MockWebServer leadingSecondMaster(String state) throws Exception {
    int firstPort = cluster.master.getPort();
    return secondMaster(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setBody(state.replace(MASTER_HOST + ":" + firstPort,
            MASTER_HOST + ":" + request.getRequestUrl().port()));
      }
    });
  }

  private Map<String, Map<String, AgentService>> everyAgent() {
    Map<String, Map<String, AgentService>> all = new java.util.LinkedHashMap<>();
    for (String host : cluster.consul.keySet()) {
      all.put(host, cluster.services(host));
    }
    return all;
  }

  private String masterId(int port) {
    return "mesos-consul:mesos:" + MASTER_HOST + ":" + port;
  }

  /**
   * The leading master receives the bridge's poll and holds it; meanwhile its ZooKeeper node goes and the
   * second master leads; then the first answers with {@code answer}. Returns the pass that was in flight.
   */
  private Bridge.Pass leaderChangesDuringThePoll(TwoMasters m, MockResponse answer) throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    cluster.master.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        asked.countDown();
        release.await(30, TimeUnit.SECONDS);
        return answer;
      }
    });
    ExecutorService passThread = Executors.newSingleThreadExecutor();
    try {
      Future<Bridge.Pass> inFlight = passThread.submit(m.bridge()::runPass);
      assertThat(asked.await(20, TimeUnit.SECONDS)).as("the poll reached the first master").isTrue();
      m.firstSession().close();
      awaitDeadline(() -> {
        var leader = m.bridge().detector().current().leader();
        return leader != null && leader.port() == m.second().getPort();
      });
      release.countDown();
      return inFlight.get(30, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      passThread.shutdownNow();
    }
  }

  /** The cluster's master (m1) and a second one (m2) in ZooKeeper, and a bridge that has done a pass on m1. */
  private record TwoMasters(int firstPort, MockWebServer second, CuratorFramework firstSession, Bridge bridge,
      Map<String, Map<String, AgentService>> before) {}

  private TwoMasters bridgeFollowingTheFirstOfTwoMasters() throws Exception {
    int firstPort = cluster.master.getPort();
    MockWebServer second = leadingSecondMaster(cluster.state());
    CuratorFramework firstSession = announce("m1", firstPort);
    announce("m2", second.getPort());
    Bridge b = bridge(zkConfig(), client());
    assertThat(b.detector().awaitLeader(java.time.Duration.ofSeconds(20)).leader().id()).isEqualTo("m1");
    assertThat(b.runPass().success()).isTrue();
    Map<String, Map<String, AgentService>> before = everyAgent();
    return new TwoMasters(firstPort, second, firstSession, b, before);
  }

  @Test
  void leaderChangeWhileTheOldLeaderDropsThePollMidResponseSkipsThePass() throws Exception {
    TwoMasters m = bridgeFollowingTheFirstOfTwoMasters();

    Bridge.Pass cut = leaderChangesDuringThePoll(m, new MockResponse()
        .setBody(cluster.state()).setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    assertThat(cut.success()).as("the pass whose answer was cut off").isFalse();
    assertThat(cut.message()).contains("pass skipped");
    assertThat(everyAgent()).as("Consul after the skipped pass").isEqualTo(m.before());

    Bridge.Pass next = m.bridge().runPass();
    assertThat(next.success()).isTrue();
    assertThat(m.second().getRequestCount()).isPositive();
    assertThat(next.result().deregistered()).as("deregistered: only the master that left").isEqualTo(1);
    Map<String, AgentService> masters = cluster.services(MASTER_HOST);
    assertThat(masters).doesNotContainKey(masterId(m.firstPort()));
    assertThat(masters.get(masterId(m.second().getPort())).tags()).containsExactly("leader", "master");
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
  }

  @Test
  void leaderChangeWhileTheOldLeaderIsSlowFollowsTheNewLeaderAndKeepsEveryTask() throws Exception {
    TwoMasters m = bridgeFollowingTheFirstOfTwoMasters();

    // By the time the old leader answers it has stepped down: an empty state that names the new leader.
    Bridge.Pass pass = leaderChangesDuringThePoll(m, new MockResponse()
        .setHeader("Content-Type", "application/json").setBody(followerState(m.firstPort(), m.second().getPort())));
    assertThat(pass.success()).as("the pass in flight during the change: " + pass.message()).isTrue();
    assertThat(m.second().getRequestCount()).as("reads from the new leader").isEqualTo(1);
    assertThat(pass.plan().runningTasks()).as("tasks seen: the new leader's, not the follower's none").isEqualTo(1);
    for (String host : List.of(AGENT_A, AGENT_B)) {
      assertThat(cluster.services(host)).as("tasks and agents on %s", host).isEqualTo(m.before().get(host));
    }
    assertThat(pass.result().deregistered()).as("deregistered: only the master that left ZooKeeper").isEqualTo(1);
    assertThat(cluster.services(MASTER_HOST)).doesNotContainKey(masterId(m.firstPort()));
    assertThat(cluster.services(MASTER_HOST).get(masterId(m.second().getPort())).tags())
        .as("the master whose state was used is tagged leader").containsExactly("leader", "master");

    Bridge.Pass next = m.bridge().runPass();
    assertThat(next.success()).isTrue();
    assertThat(cluster.services(MASTER_HOST)).containsOnlyKeys(masterId(m.second().getPort()));
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
    assertThat(m.bridge().runPass().result().registered()).as("writes once settled").isZero();
  }

  @Test
  void zooKeeperSessionExpiryAndReconnectTheBridgeKeepsReconciling() throws Exception {
    int firstPort = cluster.master.getPort();
    CuratorFramework firstSession = announce("m1", firstPort);
    CuratorFramework bridgeClient = client();
    Bridge b = bridge(zkConfig("--refresh=200ms"), bridgeClient);
    b.schedule();
    awaitDeadline(() -> cluster.services(AGENT_A).containsKey(TASK_ID_ON_A));
    long session = bridgeClient.getZookeeperClient().getZooKeeper().getSessionId();

    bridgeClient.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    // While the bridge's session is replaced, the leader dies (it answers 503 from now on and its node goes)
    // and a second master takes over, with one more task. Only ZooKeeper can lead the bridge to it.
    cluster.serve(new MockResponse().setResponseCode(503).setBody("no leader"));
    String after = "mesos-consul:127.0.0.3:after:127.0.0.3:12564";
    MockWebServer second = leadingSecondMaster(Cluster.withExtraTask(cluster.state(), "after", Cluster.AGENT_ID_B));
    announce("m2", second.getPort());
    firstSession.close();

    awaitDeadline(() -> cluster.services(AGENT_B).containsKey(after));
    assertThat(bridgeClient.getZookeeperClient().getZooKeeper().getSessionId()).as("a new ZooKeeper session")
        .isNotEqualTo(session);
    long passes = b.metrics().passes.sum();
    long failures = b.metrics().passFailures.sum();
    awaitDeadline(() -> b.metrics().passes.sum() >= passes + 2);
    assertThat(b.metrics().passFailures.sum()).as("failed passes after the reconnect").isEqualTo(failures);
    assertThat(cluster.services(AGENT_A)).as("nothing lost while the leader was unknown").containsKey(TASK_ID_ON_A);
    assertThat(cluster.services(MASTER_HOST)).containsOnlyKeys(masterId(second.getPort()));
    assertThat(b.metrics().deregistrations.sum()).as("deregistrations: only the master that died").isEqualTo(1);
  }

  /** The bridge's own threads (passes, agents, health, leader detection) and its Consul client's. */
  private static List<String> bridgeThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("mesos-bridge") || n.startsWith("mesos-leader-detector")
            || n.startsWith("consul-agent-"))
        .sorted().toList();
  }

  /**
   * Process-wide daemon threads that any first use may start and that idle out on their own, a minute later:
   * OkHttp's task runner, Okio's time-out watchdog and the JVM's common fork-join pool. Not the bridge's.
   */
  private static final List<String> SHARED_DAEMONS =
      List.of("OkHttp ", "Okio Watchdog", "ForkJoinPool.commonPool-worker-");

  /** Live threads but those of the stand-ins (testkit agents, MockWebServer masters) and {@link #SHARED_DAEMONS}. */
  private static List<String> otherThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> !n.startsWith("consul-testkit-") && !n.startsWith("MockWebServer"))
        .filter(n -> SHARED_DAEMONS.stream().noneMatch(n::startsWith))
        .sorted().toList();
  }

  @Test
  void aBridgeRunThenClosedLeavesNoThreadBehind() throws Exception {
    announce("m1", cluster.master.getPort());
    CuratorFramework bridgeClient = client();
    List<String> bridgeBefore = bridgeThreads();
    List<String> othersBefore = otherThreads();
    BridgeConfig cfg = zkConfig("--refresh=100ms", "--leader-election", "--leader-election-path=/test/threads",
        "--healthcheck", "--healthcheck-ip=127.0.0.1");
    cfg.healthcheckPort = 0;
    ConsulAgents agents = new ConsulAgentPool(cfg::agentUri, null, null, cfg.consulTimeout, null);
    Bridge b = new Bridge(cfg, agents, bridgeClient, http, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    try {
      b.start();
      b.schedule();
      awaitDeadline(() -> b.metrics().passes.sum() >= 3 && cluster.services(AGENT_A).containsKey(TASK_ID_ON_A));
      assertThat(bridgeThreads()).as("the running bridge's threads").hasSizeGreaterThan(bridgeBefore.size());
    } finally {
      b.close();
    }
    awaitDeadline(() -> bridgeThreads().equals(bridgeBefore));
    // Two for the JVM's own comings and goings (e.g. a finalizer or attach listener); a leak would be more.
    try {
      awaitDeadline(() -> otherThreads().size() <= othersBefore.size() + 2);
    } catch (AssertionError e) {
      throw new AssertionError("threads after close " + otherThreads() + ", before " + othersBefore, e);
    }
    assertThat(bridgeClient.getZookeeperClient().isConnected()).as("the caller's ZooKeeper client, left open").isTrue();
  }
}
