package dev.discovery.mesos.bridge;

import dev.discovery.consul.AgentService;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.mesos.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A simulated cluster on loopback: one testkit Consul agent per Mesos host (127.0.0.2 and 127.0.0.3 run
 * agents, 127.0.0.4 runs the master), all on the same HTTP port, and a Mesos master on MockWebServer
 * serving the Mesos 1.8.0 fixture with its addresses moved onto those hosts.
 */
final class Cluster implements AutoCloseable {
  static final String AGENT_A = "127.0.0.2";
  static final String AGENT_B = "127.0.0.3";
  static final String MASTER_HOST = "127.0.0.4";
  static final String TASK_ID_ON_A = "mesos-consul:127.0.0.2:test:127.0.0.2:12564";

  final Map<String, ConsulTestAgent> consul = new LinkedHashMap<>();
  final int consulPort;
  final MockWebServer master = new MockWebServer();
  final AtomicReference<MockResponse> reply = new AtomicReference<>();
  private final List<ConsulAgent> readers = new ArrayList<>();

  Cluster() throws IOException {
    IOException last = null;
    int port = -1;
    for (int attempt = 0; attempt < 10 && port < 0; attempt++) {
      int candidate;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(AGENT_A))) {
        candidate = s.getLocalPort();
      }
      try {
        for (String host : List.of(AGENT_A, AGENT_B, MASTER_HOST)) {
          consul.put(host, ConsulTestAgent.builder().bindAddress(host).httpPort(candidate).nodeName("node-" + host)
              // The tests count the requests the mock master receives; the master's health check must not add any.
              .nodeAddress(host).runChecks(false).start());
        }
        port = candidate;
      } catch (RuntimeException e) {
        consul.values().forEach(ConsulTestAgent::close);
        consul.clear();
        last = new IOException(e);
      }
    }
    if (port < 0) {
      throw last;
    }
    consulPort = port;
    master.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (!"/master/state".equals(request.getPath())) {
          return new MockResponse().setResponseCode(404);
        }
        return reply.get();
      }
    });
    master.start(InetAddress.getByName(MASTER_HOST), 0);
    serve(state());
  }

  /** The 1.8.0 fixture with agents on 127.0.0.2/.3 and the leading master at this MockWebServer. */
  String state() {
    return Fixtures.mesosText(Fixtures.MESOS_1_8)
        .replace("10.0.0.40", AGENT_A)
        .replace("10.0.6.5", AGENT_B)
        .replace("10.0.5.220:5050", MASTER_HOST + ":" + master.getPort())
        .replace("10.0.5.220", MASTER_HOST);
  }

  static final String AGENT_ID_A = "31953f3e-15f7-4f83-8d94-c2384f40b723-S1";
  static final String AGENT_ID_B = "31953f3e-15f7-4f83-8d94-c2384f40b723-S0";

  /**
   * The fixture's state with its one task replaced by {@code perAgent} copies on each agent host, named
   * {@code a-0}, {@code a-1}... on 127.0.0.2 and {@code b-0}... on 127.0.0.3 (same port, so the ID differs by name).
   */
  String stateWithTasks(int perAgent) {
    String state = state();
    int start = state.indexOf("{\"id\":\"test.92ed0e79");
    String task = state.substring(start, state.indexOf("],\"unreachable_tasks\"", start));
    List<String> copies = new ArrayList<>();
    for (String agent : List.of("a", "b")) {
      for (int i = 0; i < perAgent; i++) {
        String name = agent + "-" + i;
        copies.add(task.replace("test.92ed0e79", name + ".92ed0e79")
            .replace("\"name\":\"test\"", "\"name\":\"" + name + "\"")
            .replace(AGENT_ID_A, agent.equals("a") ? AGENT_ID_A : AGENT_ID_B));
      }
    }
    return state.replace(task, String.join(",", copies));
  }

  /** {@code state} with one more copy of its first task, named {@code name}, on the agent {@code agentId}. */
  static String withExtraTask(String state, String name, String agentId) {
    int start = state.indexOf("{\"id\":\"test.92ed0e79");
    String task = state.substring(start, state.indexOf("],\"unreachable_tasks\"", start));
    String copy = task.replace("test.92ed0e79", name + ".92ed0e79")
        .replace("\"name\":\"test\"", "\"name\":\"" + name + "\"")
        .replace(AGENT_ID_A, agentId);
    return state.replace(task, task + "," + copy);
  }

  /** The IDs the bridge owns on each host for {@link #stateWithTasks}, with the agents' and the master's own. */
  Map<String, java.util.Set<String>> desiredIds(int perAgent) {
    Map<String, java.util.Set<String>> ids = new LinkedHashMap<>();
    for (String host : List.of(AGENT_A, AGENT_B)) {
      java.util.Set<String> set = new java.util.TreeSet<>();
      String agent = host.equals(AGENT_A) ? "a" : "b";
      for (int i = 0; i < perAgent; i++) {
        set.add("mesos-consul:" + host + ":" + agent + "-" + i + ":" + host + ":12564");
      }
      set.add("mesos-consul:mesos:" + (host.equals(AGENT_A) ? AGENT_ID_A : AGENT_ID_B) + ":" + host);
      ids.put(host, set);
    }
    ids.put(MASTER_HOST, new java.util.TreeSet<>(List.of("mesos-consul:mesos:" + MASTER_HOST + ":" + master.getPort())));
    return ids;
  }

  void serve(String json) {
    reply.set(new MockResponse().setHeader("Content-Type", "application/json").setBody(json));
  }

  void serve(MockResponse response) {
    reply.set(response);
  }

  String masterUrl() {
    return "http://" + MASTER_HOST + ":" + master.getPort();
  }

  /** Parses flags as the jar would, pointed at this cluster, for tests to adjust further. */
  BridgeConfig config(String... extra) {
    List<String> args = new ArrayList<>(List.of("--mesos=" + masterUrl(), "--consul-port=" + consulPort,
        "--consul-timeout=2", "--mesos-timeout=2s"));
    args.addAll(List.of(extra));
    StringWriter err = new StringWriter();
    Main.Parsed p = Main.parse(args.toArray(String[]::new), Map.of(), new PrintWriter(new StringWriter()),
        new PrintWriter(err, true));
    if (p.config() == null) {
      throw new IllegalArgumentException("bad test flags: " + err);
    }
    p.config().agentRetryBase = java.time.Duration.ofMillis(1);
    p.config().agentRetryMax = java.time.Duration.ofMillis(1);
    return p.config();
  }

  /** The services on one host's agent, by ID, read through the project's client. */
  Map<String, AgentService> services(String host) {
    ConsulAgent reader = ConsulAgent.create(consul.get(host).httpUri());
    readers.add(reader);
    Map<String, AgentService> byId = new LinkedHashMap<>();
    for (AgentService s : reader.services()) {
      byId.put(s.id(), s);
    }
    return byId;
  }

  InetSocketAddress masterAddress() {
    return new InetSocketAddress(MASTER_HOST, master.getPort());
  }

  @Override
  public void close() throws IOException {
    readers.forEach(ConsulAgent::close);
    consul.values().forEach(ConsulTestAgent::close);
    master.shutdown();
  }
}
