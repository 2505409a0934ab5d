package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.mesos.plan.Plan;
import dev.discovery.mesos.plan.PlanOptions;
import dev.discovery.mesos.plan.Planner;
import dev.discovery.mesos.state.StateParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's scenario ({@link SyntheticMesos}) at a small size against real testkit agents: after the first
 * pass has registered everything and put the unhealthy tasks in maintenance, further passes write nothing, not
 * even after a restart of the bridge. The benchmark checks the same at 10,000 tasks on 100 agents with in-memory
 * agents.
 */
class SteadyStateTest {
  private static final List<String> HOSTS = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5");
  private static final int TASKS = 240;
  private static final String[] WRITES = {"/v1/agent/service/register", "/v1/agent/service/deregister/",
      "/v1/agent/service/maintenance/", "/v1/agent/check/"};

  private final List<ConsulTestAgent> agents = new ArrayList<>();
  private final MockWebServer master = new MockWebServer();
  private final OkHttpClient http = new OkHttpClient();
  private final List<Bridge> bridges = new ArrayList<>();
  private int consulPort;

  @BeforeEach
  void start() throws Exception {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 10 && agents.isEmpty(); attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOSTS.get(0)))) {
        consulPort = s.getLocalPort();
      }
      try {
        for (String host : HOSTS) {
          agents.add(ConsulTestAgent.builder().bindAddress(host).httpPort(consulPort).nodeName("node-" + host)
              .nodeAddress(host).runChecks(false).start());
        }
      } catch (RuntimeException e) {
        agents.forEach(ConsulTestAgent::close);
        agents.clear();
        last = e;
      }
    }
    if (agents.isEmpty()) {
      throw last;
    }
    // The master runs on the first agent's host, so its registration goes to that host's Consul agent.
    master.start(InetAddress.getByName(HOSTS.get(0)), 0);
    byte[] state = SyntheticMesos.state(HOSTS, TASKS, masterAddress());
    master.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) {
        return new MockResponse().setHeader("Content-Type", "application/json").setBody(new okio.Buffer().write(state));
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    bridges.forEach(Bridge::close);
    agents.forEach(ConsulTestAgent::close);
    master.shutdown();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private String masterAddress() {
    return HOSTS.get(0) + ":" + master.getPort();
  }

  private Bridge bridge() throws Exception {
    StringWriter err = new StringWriter();
    Main.Parsed p = Main.parse(new String[] {"--mesos=http://" + masterAddress(),
        "--consul-port=" + consulPort, "--consul-timeout=5", "--mesos-timeout=5s"}, Map.of(),
        new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    assertThat(p.config()).as(err.toString()).isNotNull();
    BridgeConfig cfg = p.config();
    Bridge b = new Bridge(cfg, ConsulAgentPool.from(cfg), null, http,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    bridges.add(b);
    b.start();
    return b;
  }

  private long writes() {
    long n = 0;
    for (ConsulTestAgent a : agents) {
      for (String path : WRITES) {
        n += a.requestCount(path);
      }
    }
    return n;
  }

  @Test
  void afterTheFirstPassNothingIsWrittenEvenByARestartedBridge() throws Exception {
    Plan plan = new Planner(PlanOptions.builder().build()).plan(
        StateParser.parse(SyntheticMesos.state(HOSTS, TASKS, masterAddress())), List.of());
    int unhealthyServices = (int) plan.byHost().values().stream().flatMap(m -> m.values().stream())
        .filter(s -> s.unhealthy()).count();
    assertThat(plan.runningTasks()).isEqualTo(TASKS);
    assertThat(unhealthyServices).isGreaterThanOrEqualTo(SyntheticMesos.unhealthyTasks(TASKS)).isPositive();

    Bridge first = bridge();
    Bridge.Pass initial = first.runPass();
    assertThat(initial.success()).isTrue();
    // Every planned service (tasks, the agents' own "mesos" services and the leader) is registered, the
    // unhealthy ones put in maintenance.
    assertThat(initial.result().registered()).isEqualTo(plan.serviceCount() + 1);
    assertThat(initial.result().maintenanceChanges()).isEqualTo(unhealthyServices);
    assertThat(initial.result().errors()).isZero();

    long afterFirst = writes();
    for (int i = 0; i < 2; i++) {
      Bridge.Pass steady = first.runPass();
      assertThat(steady.result().registered() + steady.result().deregistered()
          + steady.result().maintenanceChanges()).isZero();
    }
    first.close();
    Bridge.Pass restarted = bridge().runPass();
    assertThat(restarted.result().registered() + restarted.result().deregistered()
        + restarted.result().maintenanceChanges()).isZero();
    assertThat(writes()).isEqualTo(afterFirst);
  }
}
