package dev.discovery.mesos.bridge;

import static dev.discovery.mesos.bridge.BridgeIntegrationTest.awaitDeadline;
import static dev.discovery.mesos.bridge.Cluster.AGENT_A;
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
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
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
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer(true);
    cluster = new Cluster();
  }

  @AfterEach
  void stop() throws Exception {
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

  @Test
  void twoBridgesWithLeaderElectionOnlyOneWrites() throws Exception {
    BridgeConfig cfg1 = cluster.config("--leader-election", "--zk=zk://" + zk.getConnectString() + "/mesos",
        "--leader-election-path=/test/bridge-leader");
    BridgeConfig cfg2 = cluster.config("--leader-election", "--zk=zk://" + zk.getConnectString() + "/mesos",
        "--leader-election-path=/test/bridge-leader");
    CuratorFramework c1 = client();
    Bridge b1 = bridge(cfg1, c1);
    Bridge b2 = bridge(cfg2, client());
    awaitDeadline(() -> b1.active() || b2.active());
    Bridge active = b1.active() ? b1 : b2;
    Bridge standby = active == b1 ? b2 : b1;
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
    if (active == b1) {
      c1.close();
    }
    awaitDeadline(standby::active);
    Bridge.Pass takeover = standby.runPass();
    assertThat(takeover.success()).isTrue();
    assertThat(takeover.result().registered()).isZero(); // it finds everything in place
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
  }
}
