package dev.discovery.mesos.bridge;

import static dev.discovery.mesos.bridge.Cluster.AGENT_A;
import static dev.discovery.mesos.bridge.Cluster.AGENT_B;
import static dev.discovery.mesos.bridge.Cluster.MASTER_HOST;
import static dev.discovery.mesos.bridge.Cluster.TASK_ID_ON_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.consul.AgentService;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bridge against testkit Consul agents (one per simulated host) and a Mesos master on MockWebServer. */
class BridgeIntegrationTest {
  private Cluster cluster;
  private Bridge bridge;
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() throws Exception {
    cluster = new Cluster();
  }

  @AfterEach
  void stop() throws Exception {
    if (bridge != null) {
      bridge.close();
    }
    cluster.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private Bridge bridge(BridgeConfig cfg) throws Exception {
    ConsulAgents agents = new ConsulAgentPool(cfg::agentUri, cfg.consulToken, cfg.consulTokenFile, cfg.consulTimeout,
        null);
    bridge = new Bridge(cfg, agents, null, http, new PrintStream(stdout, true, StandardCharsets.UTF_8));
    bridge.start();
    return bridge;
  }

  private String stateWithoutTasks() {
    return cluster.state().replaceFirst("\"tasks\":\\[\\{.*\\}\\],\"unreachable_tasks\"", "\"tasks\":[],\"unreachable_tasks\"");
  }

  @Test
  void firstPassRegistersEachServiceOnItsOwnHostThenSteadyStateWritesNothing() throws Exception {
    Bridge b = bridge(cluster.config());
    Bridge.Pass first = b.runPass();
    assertThat(first.success()).isTrue();

    AgentService task = cluster.services(AGENT_A).get(TASK_ID_ON_A);
    assertThat(task.name()).isEqualTo("test");
    assertThat(task.address()).isEqualTo(AGENT_A); // the agent IP with the host port, not the overlay 9.0.2.2
    assertThat(task.port()).isEqualTo(12564);
    assertThat(cluster.services(AGENT_A)).containsKey("mesos-consul:mesos:31953f3e-15f7-4f83-8d94-c2384f40b723-S1:"
        + AGENT_A);
    assertThat(cluster.services(AGENT_B)).containsOnlyKeys("mesos-consul:mesos:31953f3e-15f7-4f83-8d94-c2384f40b723-S0:"
        + AGENT_B);
    AgentService leader = cluster.services(MASTER_HOST).get("mesos-consul:mesos:" + MASTER_HOST + ":"
        + cluster.master.getPort());
    assertThat(leader.tags()).containsExactly("leader", "master");

    long registersBefore = registerCalls();
    Bridge.Pass second = b.runPass();
    assertThat(second.result().registered()).isZero();
    assertThat(second.result().deregistered()).isZero();
    assertThat(registerCalls()).isEqualTo(registersBefore);
  }

  private long registerCalls() {
    long n = 0;
    for (var agent : cluster.consul.values()) {
      n += agent.requestCount("/v1/agent/service/register");
    }
    return n;
  }

  @Test
  void goneTaskIsDeregisteredAfterTheGracePassesNotBefore() throws Exception {
    Bridge b = bridge(cluster.config("--heartbeats-before-remove=3"));
    b.runPass();
    cluster.serve(stateWithoutTasks());
    b.runPass();
    b.runPass();
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
    Bridge.Pass third = b.runPass();
    assertThat(third.result().deregistered()).isEqualTo(1);
    assertThat(cluster.services(AGENT_A)).doesNotContainKey(TASK_ID_ON_A)
        .containsKey("mesos-consul:mesos:31953f3e-15f7-4f83-8d94-c2384f40b723-S1:" + AGENT_A);
  }

  @Test
  void taskMovedToAnotherHostMovesItsRegistration() throws Exception {
    Bridge b = bridge(cluster.config());
    b.runPass();
    cluster.serve(cluster.state().replace("\"slave_id\":\"31953f3e-15f7-4f83-8d94-c2384f40b723-S1\"",
        "\"slave_id\":\"31953f3e-15f7-4f83-8d94-c2384f40b723-S0\""));
    b.runPass();
    assertThat(cluster.services(AGENT_A)).doesNotContainKey(TASK_ID_ON_A);
    assertThat(cluster.services(AGENT_B)).containsKey("mesos-consul:127.0.0.3:test:127.0.0.3:12564");
  }

  @Test
  void agentDownThenBackIsRetriedWhileOthersAreReconciled() throws Exception {
    Bridge b = bridge(cluster.config());
    cluster.consul.get(AGENT_B).stop();
    Bridge.Pass pass = b.runPass();
    assertThat(pass.success()).isTrue();
    assertThat(pass.result().agentsFailed()).isEqualTo(1);
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
    assertThat(b.metrics().agentErrors(AGENT_B)).isPositive();
    assertThat(b.metrics().render()).contains("mesos_bridge_agent_errors_total{agent=\"127.0.0.3\",cause=\"unreachable\"}");

    cluster.consul.get(AGENT_B).restart(false);
    awaitDeadline(() -> {
      try {
        b.runPass();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      return cluster.services(AGENT_B).containsKey("mesos-consul:mesos:31953f3e-15f7-4f83-8d94-c2384f40b723-S0:"
          + AGENT_B);
    });
  }

  @Test
  void foreignServicesAreNeverTouched() throws Exception {
    cluster.consul.get(AGENT_A).registerService("{\"ID\":\"redis-1\",\"Name\":\"redis\",\"Port\":6379}");
    cluster.consul.get(AGENT_A).registerService("{\"ID\":\"mesos-consulx:1\",\"Name\":\"lookalike\",\"Port\":1}");
    Bridge b = bridge(cluster.config());
    b.runPass();
    cluster.serve(stateWithoutTasks());
    b.runPass();
    assertThat(cluster.services(AGENT_A)).containsKeys("redis-1", "mesos-consulx:1").doesNotContainKey(TASK_ID_ON_A);
  }

  @Test
  void ownedServicesLeftByAnEarlierRunAreAdoptedAndCleaned() throws Exception {
    cluster.consul.get(AGENT_A).registerService("{\"ID\":\"mesos-consul:127.0.0.2:old:127.0.0.2:1\",\"Name\":\"old\","
        + "\"Port\":1}");
    Bridge b = bridge(cluster.config());
    b.runPass();
    assertThat(cluster.services(AGENT_A)).doesNotContainKey("mesos-consul:127.0.0.2:old:127.0.0.2:1")
        .containsKey(TASK_ID_ON_A);
  }

  @Test
  void blacklistAndWhitelistFilterTasks() throws Exception {
    Bridge b = bridge(cluster.config("--blacklist=^te"));
    b.runPass();
    assertThat(cluster.services(AGENT_A)).doesNotContainKey(TASK_ID_ON_A);
    b.close();
    bridge = null;

    Bridge w = bridge(cluster.config("--whitelist=^nothing-matches"));
    w.runPass();
    assertThat(cluster.services(AGENT_A)).doesNotContainKey(TASK_ID_ON_A);
    w.close();
    bridge = null;

    Bridge both = bridge(cluster.config("--whitelist=^te", "--fw-blacklist=^metronome$"));
    both.runPass();
    assertThat(cluster.services(AGENT_A)).containsKey(TASK_ID_ON_A);
  }

  @Test
  void sharedServiceNameGroupsTasksUnderOneService() throws Exception {
    String state = cluster.state();
    int start = state.indexOf("{\"id\":\"test.92ed0e79");
    String task = state.substring(start, state.indexOf("],\"unreachable_tasks\"", start));
    String second = task.replace("test.92ed0e79", "KafkaMesos-broker-2.92ed0e79")
        .replace("31953f3e-15f7-4f83-8d94-c2384f40b723-S1", "31953f3e-15f7-4f83-8d94-c2384f40b723-S0")
        .replace("\"name\":\"test\"", "\"name\":\"KafkaMesos-broker-2\"");
    String first = task.replace("\"name\":\"test\"", "\"name\":\"KafkaMesos-broker-1\"");
    cluster.serve(state.replace(task, first + "," + second));
    Bridge b = bridge(cluster.config("--shared-service-name=(KafkaMesos)-.*", "--blacklist=task.*",
        "--log-level=INFO", "--zk=zk://zookeeper.service:2181/mesos"));
    b.runPass();
    assertThat(cluster.services(AGENT_A).get("mesos-consul:127.0.0.2:kafkamesos:127.0.0.2:12564").name())
        .isEqualTo("kafkamesos");
    assertThat(cluster.services(AGENT_B).get("mesos-consul:127.0.0.3:kafkamesos:127.0.0.3:12564").name())
        .isEqualTo("kafkamesos");
  }

  @Test
  void dryRunWritesNothingAndPrintsThePlan() throws Exception {
    cluster.consul.get(AGENT_A).registerService("{\"ID\":\"mesos-consul:127.0.0.2:old:127.0.0.2:1\",\"Name\":\"old\"}");
    Bridge b = bridge(cluster.config("--dry-run"));
    b.runPass();
    b.runPass();
    assertThat(cluster.services(AGENT_A)).containsOnlyKeys("mesos-consul:127.0.0.2:old:127.0.0.2:1");
    assertThat(cluster.services(AGENT_B)).isEmpty();
    assertThat(registerCalls()).isZero();
    String printed = stdout.toString(StandardCharsets.UTF_8);
    assertThat(printed).contains(TASK_ID_ON_A).contains("agent 127.0.0.3")
        .contains("dry run: would register " + TASK_ID_ON_A)
        .contains("dry run: would deregister mesos-consul:127.0.0.2:old:127.0.0.2:1");
  }

  @Test
  void refusedMesosCredentialsAreNotReportedAsMissing() throws Exception {
    Bridge b = bridge(cluster.config("--mesos-auth=ops:s3cret-pw"));
    cluster.serve(new MockResponse().setResponseCode(401).setBody("{\"message\":\"Unauthorized\"}"));
    Bridge.Pass refused = b.runPass();
    assertThat(refused.success()).isFalse();
    assertThat(refused.message()).contains("HTTP 401", "refused the credentials of --mesos-auth")
        .doesNotContain("requires HTTP authentication").doesNotContain("s3cret-pw");
    cluster.serve(new MockResponse().setResponseCode(403).setBody("Forbidden"));
    assertThat(b.runPass().message()).contains("HTTP 403", "may not read the master state")
        .doesNotContain("s3cret-pw");
  }

  @Test
  void mesosErrorsSkipThePassAndNeverLookLikeAnEmptyCluster() throws Exception {
    Bridge b = bridge(cluster.config());
    assertThat(b.runPass().success()).isTrue();
    Map<String, AgentService> before = cluster.services(AGENT_A);

    cluster.serve(new MockResponse().setResponseCode(401).setBody("{\"message\":\"Unauthorized\"}"));
    Bridge.Pass unauthorized = b.runPass();
    assertThat(unauthorized.success()).isFalse();
    assertThat(unauthorized.message()).contains("HTTP 401").contains("requires HTTP authentication; pass --mesos-auth");

    cluster.serve("{\"slaves\": [], \"frameworks\": [{\"tasks\": [{\"id\": 7}]}]}");
    assertThat(b.runPass().message()).contains("frameworks[0].tasks[0].id");

    cluster.serve("{}");
    assertThat(b.runPass().success()).isFalse();

    cluster.serve("<html>gateway</html>");
    assertThat(b.runPass().message()).contains("not valid JSON");

    cluster.serve(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    assertThat(b.runPass().message()).contains("timed out");

    cluster.serve(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    assertThat(b.runPass().success()).isFalse();

    assertThat(cluster.services(AGENT_A).keySet()).isEqualTo(before.keySet());
    assertThat(b.metrics().mesosErrors.sum()).isEqualTo(6);
  }

  @Test
  void anOversizedStateSkipsThePassAndNeverLooksLikeAnEmptyCluster() throws Exception {
    String state = cluster.state();
    long limit = state.length() + 4096;
    Bridge b = bridge(cluster.config("--mesos-max-state-size=" + limit));
    assertThat(b.runPass().success()).isTrue();
    Map<String, AgentService> before = cluster.services(AGENT_A);
    assertThat(before).containsKey(TASK_ID_ON_A);

    // A field the parser skips, so that only the size is wrong, and no task: were it read, all would go.
    String oversized = "{\"padding\":\"" + "x".repeat(8192) + "\"," + stateWithoutTasks().substring(1);
    assertThat((long) oversized.length()).isGreaterThan(limit);
    cluster.serve(oversized); // with Content-Length: refused before reading
    Bridge.Pass declared = b.runPass();
    assertThat(declared.success()).isFalse();
    assertThat(declared.message()).contains("pass skipped, nothing changed in Consul")
        .contains(oversized.length() + " bytes, above --mesos-max-state-size (" + limit + " bytes)");

    cluster.serve(new MockResponse().setHeader("Content-Type", "application/json").setChunkedBody(oversized, 1024));
    Bridge.Pass chunked = b.runPass(); // no length up front: counted while read
    assertThat(chunked.success()).isFalse();
    assertThat(chunked.message()).contains("is more than " + limit + " bytes, above --mesos-max-state-size");

    assertThat(cluster.services(AGENT_A).keySet()).isEqualTo(before.keySet());
    assertThat(b.metrics().mesosErrors.sum()).isEqualTo(2);

    // Within the limit, chunked or not, the same state is read as usual.
    cluster.serve(new MockResponse().setHeader("Content-Type", "application/json").setChunkedBody(state, 1024));
    assertThat(b.runPass().success()).isTrue();
    assertThat(cluster.services(AGENT_A).keySet()).isEqualTo(before.keySet());
  }

  @Test
  void unhealthyTaskIsInMaintenanceUntilHealthyAgain() throws Exception {
    Bridge b = bridge(cluster.config());
    String sick = cluster.state().replace("\"state\":\"TASK_RUNNING\",\"timestamp\":1542770516.401042",
        "\"state\":\"TASK_RUNNING\",\"healthy\":false,\"timestamp\":1542770516.401042");
    assertThat(sick).contains("\"healthy\":false");
    cluster.serve(sick);
    b.runPass();
    assertThat(agentChecks(AGENT_A)).contains("_service_maintenance:" + TASK_ID_ON_A);
    long maintenanceCalls = cluster.consul.get(AGENT_A).requestCount("/v1/agent/service/maintenance/" + TASK_ID_ON_A);
    b.runPass();
    assertThat(cluster.consul.get(AGENT_A).requestCount("/v1/agent/service/maintenance/" + TASK_ID_ON_A))
        .isEqualTo(maintenanceCalls);
    cluster.serve(cluster.state());
    b.runPass();
    assertThat(agentChecks(AGENT_A)).doesNotContain("_service_maintenance:" + TASK_ID_ON_A);
  }

  private String sickState() {
    String sick = cluster.state().replace("\"state\":\"TASK_RUNNING\",\"timestamp\":1542770516.401042",
        "\"state\":\"TASK_RUNNING\",\"healthy\":false,\"timestamp\":1542770516.401042");
    assertThat(sick).contains("\"healthy\":false");
    return sick;
  }

  private long maintenanceCalls() {
    return cluster.consul.get(AGENT_A).requestCount("/v1/agent/service/maintenance/" + TASK_ID_ON_A);
  }

  /** A first bridge puts the sick task's service in maintenance and stops, as before a restart or a takeover. */
  private void earlierRunLeavesTheServiceInMaintenance() throws Exception {
    cluster.serve(sickState());
    BridgeConfig cfg = cluster.config();
    try (Bridge earlier = new Bridge(cfg, new ConsulAgentPool(cfg::agentUri, null, null, cfg.consulTimeout, null),
        null, http, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      earlier.start();
      assertThat(earlier.runPass().result().maintenanceChanges()).isEqualTo(1);
    }
    assertThat(agentChecks(AGENT_A)).contains("_service_maintenance:" + TASK_ID_ON_A);
  }

  @Test
  void aNewBridgeLiftsMaintenanceLeftByAnEarlierRunWhenTheTaskIsHealthyAgain() throws Exception {
    earlierRunLeavesTheServiceInMaintenance();
    long before = maintenanceCalls();
    cluster.serve(cluster.state());
    Bridge.Pass pass = bridge(cluster.config()).runPass();
    assertThat(pass.result().maintenanceChanges()).isEqualTo(1);
    assertThat(maintenanceCalls()).isEqualTo(before + 1);
    assertThat(agentChecks(AGENT_A)).doesNotContain("_service_maintenance:" + TASK_ID_ON_A);
  }

  @Test
  void aNewBridgeWritesNothingForAnUnhealthyTaskAlreadyInMaintenance() throws Exception {
    earlierRunLeavesTheServiceInMaintenance();
    long maintenanceBefore = maintenanceCalls();
    long registersBefore = registerCalls();
    Bridge.Pass pass = bridge(cluster.config()).runPass();
    assertThat(pass.result().maintenanceChanges()).isZero();
    assertThat(pass.result().registered()).isZero();
    assertThat(maintenanceCalls()).isEqualTo(maintenanceBefore);
    assertThat(registerCalls()).isEqualTo(registersBefore);
    assertThat(agentChecks(AGENT_A)).contains("_service_maintenance:" + TASK_ID_ON_A);
  }

  private String agentChecks(String host) throws Exception {
    Request request = new Request.Builder().url(cluster.consul.get(host).httpUri() + "/v1/agent/checks").build();
    try (Response r = http.newCall(request).execute()) {
      return r.body().string();
    }
  }

  @Test
  void healthAndMetricsEndpoints() throws Exception {
    BridgeConfig cfg = cluster.config("--healthcheck", "--healthcheck-ip=127.0.0.1");
    cfg.healthcheckPort = 0;
    Bridge b = bridge(cfg);
    String base = "http://127.0.0.1:" + b.healthAddress().getPort();
    assertThat(get(base + "/health")).startsWith("503");
    b.runPass();
    assertThat(get(base + "/health")).as("without --leader-election: mesos-consul's body").isEqualTo("200 OK\n");
    String metrics = get(base + "/metrics");
    assertThat(metrics).contains("mesos_bridge_role{role=\"active\"} 1\n", "mesos_bridge_role{role=\"standby\"} 0\n",
            "mesos_bridge_role{role=\"electing\"} 0\n")
        .contains("mesos_bridge_tasks_seen 1").contains("mesos_bridge_registrations_total 4")
        .contains("# TYPE mesos_bridge_pass_duration_seconds gauge");
  }

  private String get(String url) throws Exception {
    try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  @Test
  void centralAgentReceivesEverything() throws Exception {
    BridgeConfig cfg = cluster.config("--consul-agent=" + cluster.consul.get(AGENT_B).httpUri());
    Bridge b = bridge(cfg);
    b.runPass();
    assertThat(cluster.services(AGENT_B)).containsKey(TASK_ID_ON_A).hasSize(4);
    assertThat(cluster.services(AGENT_A)).isEmpty();
    assertThat(b.runPass().result().registered()).isZero();
  }

  @Test
  void aBridgeKilledMidReconcileAndAFreshOneLeaveExactlyTheDesiredSet() throws Exception {
    int perAgent = 12;
    ConsulTestAgent a = cluster.consul.get(AGENT_A);
    // Left by earlier runs and by people: an orphan the bridge owns, an outdated registration of a desired
    // service (wrong tags), and a foreign service that must come through untouched.
    String orphan = "mesos-consul:127.0.0.2:old:127.0.0.2:1";
    String outdated = "mesos-consul:127.0.0.2:a-5:127.0.0.2:12564";
    a.registerService("{\"ID\":\"" + orphan + "\",\"Name\":\"old\",\"Port\":1}");
    a.registerService("{\"ID\":\"" + outdated + "\",\"Name\":\"a-5\",\"Address\":\"127.0.0.2\","
        + "\"Port\":12564,\"Tags\":[\"stale\"]}");
    a.registerService("{\"ID\":\"redis-1\",\"Name\":\"redis\",\"Port\":6379,\"Tags\":[\"primary\"]}");
    AgentService foreign = cluster.services(AGENT_A).get("redis-1");
    cluster.serve(cluster.stateWithTasks(perAgent));
    Map<String, Set<String>> desired = cluster.desiredIds(perAgent);

    // The first bridge's pass crawls through slow agents; agent A stops answering after its third write, and
    // the bridge is killed while it waits (close() interrupts the pass and deregisters nothing, so Consul is
    // left as a kill would leave it, the request held by the agent included).
    String register = "/v1/agent/service/register";
    a.delayResponses(Duration.ofMillis(200)); // leaves this test's thread ample time to see the third write
    cluster.consul.get(AGENT_B).delayResponses(Duration.ofMillis(50));
    Bridge first = bridge(cluster.config());
    AtomicBoolean hung = new AtomicBoolean();
    Thread pass = new Thread(() -> {
      try {
        first.runPass();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "test-first-bridge-pass");
    pass.setDaemon(true);
    pass.start();
    awaitDeadline(() -> {
      if (a.requestCount(register) >= 3 && hung.compareAndSet(false, true)) {
        a.delayResponses(Duration.ofSeconds(3)); // longer than --consul-timeout=2: no further write gets through
      }
      return a.requestCount(register) >= 4;
    });
    first.close();
    bridge = null;
    pass.join(10_000);
    assertThat(pass.isAlive()).as("the killed bridge's pass ended").isFalse();
    a.delayResponses(Duration.ZERO);
    cluster.consul.get(AGENT_B).delayResponses(Duration.ZERO);
    Set<String> ownedAfterKill = owned(cluster.services(AGENT_A));
    assertThat(ownedAfterKill).as("what the killed bridge left on %s: part of the desired set", AGENT_A)
        .isNotEqualTo(desired.get(AGENT_A)).contains(orphan);
    assertThat(a.requestCount(register)).as("writes that reached agent A before the kill").isLessThan(perAgent);

    // A fresh bridge on the same cluster, as after a restart: it adopts what it finds and finishes the job.
    Bridge second = bridge(cluster.config());
    Bridge.Pass adopt = second.runPass();
    assertThat(adopt.success()).isTrue();
    assertThat(adopt.result().agentsFailed()).isZero();
    for (int i = 0; i < 3; i++) { // the request the agent held when the first bridge died may land meanwhile
      for (String host : desired.keySet()) {
        Map<String, AgentService> services = cluster.services(host);
        assertThat(owned(services)).as("the bridge's services on %s", host).isEqualTo(desired.get(host));
        assertThat(services.values().stream().map(x -> x.name() + "@" + x.address() + ":" + x.port()).toList())
            .as("registrations of one service instance on %s", host).doesNotHaveDuplicates();
      }
      assertThat(cluster.services(AGENT_A).get("redis-1")).as("the foreign service").isEqualTo(foreign);
      assertThat(cluster.services(AGENT_A).get(outdated).tags()).as("the outdated registration, updated")
          .doesNotContain("stale");
      Bridge.Pass steady = second.runPass();
      assertThat(steady.result().registered() + steady.result().deregistered()).as("writes in a steady pass")
          .isZero();
    }
  }

  private static Set<String> owned(Map<String, AgentService> services) {
    return services.keySet().stream().filter(id -> id.startsWith("mesos-consul:"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static void awaitDeadline(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("condition not met within 20 s");
  }
}
