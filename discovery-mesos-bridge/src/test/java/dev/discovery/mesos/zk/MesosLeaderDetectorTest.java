package dev.discovery.mesos.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Masters register as Mesos does: ephemeral sequential {@code json.info_} nodes holding MasterInfo JSON. */
class MesosLeaderDetectorTest {
  private TestingServer zk;
  private CuratorFramework bridgeClient;
  private final List<CuratorFramework> masters = new CopyOnWriteArrayList<>();
  private final List<MasterSet> seen = new CopyOnWriteArrayList<>();
  private MesosLeaderDetector detector;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer(true);
    bridgeClient = client();
    detector = new MesosLeaderDetector(bridgeClient, "/mesos", seen::add);
  }

  @AfterEach
  void stop() throws Exception {
    detector.close();
    for (CuratorFramework m : masters) {
      m.close();
    }
    bridgeClient.close();
    zk.close();
  }

  private CuratorFramework client() throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
        .sessionTimeoutMs(5_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100)).build();
    c.start();
    assertThat(c.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return c;
  }

  /** Registers a master the way a Mesos master's ZooKeeper contender does; returns its session. */
  private CuratorFramework master(String id, String ip) throws Exception {
    CuratorFramework session = client();
    masters.add(session);
    String json = "{\"address\":{\"hostname\":\"" + ip + "\",\"ip\":\"" + ip + "\",\"port\":5050},"
        + "\"hostname\":\"" + ip + "\",\"id\":\"" + id + "\",\"ip\":0,\"pid\":\"master@" + ip + ":5050\","
        + "\"port\":5050,\"version\":\"1.8.0\"}";
    session.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/mesos/json.info_", json.getBytes(StandardCharsets.UTF_8));
    return session;
  }

  private MasterSet await(Predicate<MasterSet> condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      MasterSet s = detector.current();
      if (condition.test(s)) {
        return s;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("condition not met within 20s; last: " + detector.current());
  }

  /** Waits until the listener has been told of a master set matching {@code condition}. */
  private void awaitHeard(Predicate<MasterSet> condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (seen.stream().noneMatch(condition)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the listener was not told within 20s; it heard: " + seen);
      }
      Thread.sleep(20);
    }
  }

  private static Predicate<MasterSet> leaderIs(String id) {
    return s -> s.leader() != null && s.leader().id().equals(id);
  }

  @Test
  void lowestSequenceLeadsAndLeaderChangeIsFollowed() throws Exception {
    CuratorFramework first = master("m1", "10.0.0.1");
    master("m2", "10.0.0.2");
    bridgeClient.create().forPath("/mesos/log_replicas");
    detector.start();
    MasterSet s = await(leaderIs("m1").and(x -> x.masters().size() == 2));
    assertThat(s.leader().baseUrl()).isEqualTo("http://10.0.0.1:5050");

    first.close(); // the leading master dies: its ephemeral node goes
    masters.remove(first);
    s = await(leaderIs("m2"));
    assertThat(s.masters()).extracting(MasterInfo::id).containsExactly("m2");
    awaitHeard(leaderIs("m2")); // the listener hears just after current() changes, on the detector's thread
    assertThat(seen).anyMatch(leaderIs("m1"));
  }

  @Test
  void pathCreatedLaterIsNoticed() throws Exception {
    detector.start();
    assertThat(detector.awaitLeader(Duration.ofMillis(200)).leader()).isNull();
    master("m1", "10.0.0.1");
    assertThat(detector.awaitLeader(Duration.ofSeconds(20)).leader().id()).isEqualTo("m1");
  }

  @Test
  void followsLeaderAfterOwnSessionExpires() throws Exception {
    CuratorFramework first = master("m1", "10.0.0.1");
    detector.start();
    await(leaderIs("m1"));
    bridgeClient.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    // While the bridge's session is being replaced, the leader changes.
    master("m2", "10.0.0.2");
    first.close();
    masters.remove(first);
    MasterSet s = await(leaderIs("m2"));
    assertThat(s.leader().host()).isEqualTo("10.0.0.2");
  }

  @Test
  void unreadableLowestNodeMeansNoLeaderNotTheNextOne() throws Exception {
    bridgeClient.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/mesos/json.info_", "not json".getBytes(StandardCharsets.UTF_8));
    master("m2", "10.0.0.2");
    detector.start();
    MasterSet s = await(x -> x.masters().size() == 1);
    assertThat(s.leader()).isNull();
  }
}
