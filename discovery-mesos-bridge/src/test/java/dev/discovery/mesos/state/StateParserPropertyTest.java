package dev.discovery.mesos.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.mesos.Fixtures;
import dev.discovery.consul.Mutations;
import dev.discovery.consul.Property;
import dev.discovery.mesos.plan.MesosMaster;
import dev.discovery.mesos.plan.PlanOptions;
import dev.discovery.mesos.plan.Planner;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Properties of the master state parser: whatever bytes arrive, it returns a state or throws
 * {@link StateParseException} (never another exception, which the bridge would not turn into a skipped pass), and
 * a state it returns can be planned;
 * and a well-formed state reads back as exactly the agents, frameworks and tasks it describes. The time-outs only
 * guard against a hang; a run takes a few seconds.
 */
class StateParserPropertyTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Planner PLANNER = new Planner(PlanOptions.builder().build());
  private static final byte[][] SEEDS = {
      Fixtures.mesos(Fixtures.MESOS_1_8), Fixtures.mesos(Fixtures.FAKE), Fixtures.mesos(Fixtures.MESOS_1_0)};

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void randomAndDamagedStatesFailOnlyWithStateParseException() {
    Set<String> paths = new HashSet<>();
    int[] accepted = {0};
    Property.forAllBytes("state parser on bad input", 2000, r -> {
      // The 340 KB Mesos 1.0 state is damaged less often, to keep the run short.
      byte[] seed = SEEDS[r.nextInt(10) == 0 ? 2 : r.nextInt(2)];
      return Mutations.anyBadInput(r, seed);
    }, body -> {
      MesosState fromBytes;
      try {
        fromBytes = StateParser.parse(body);
      } catch (StateParseException e) {
        assertThat(e.getMessage()).startsWith("bad Mesos state");
        paths.add(e.path().replaceAll("[0-9]+", "N"));
        return;
      }
      // The stream reader (what the bridge uses) agrees with the byte reader.
      assertThat(StateParser.parse(new ByteArrayInputStream(body))).isEqualTo(fromBytes);
      for (Framework f : fromBytes.frameworks()) {
        for (Task t : f.tasks()) {
          assertThat(t.id()).isNotEmpty();
          assertThat(t.ports()).allMatch(p -> p >= 0 && p <= 65535);
        }
      }
      // What the bridge does next with a state it accepted: plan the registrations. That must not throw either.
      PLANNER.plan(fromBytes, List.of(new MesosMaster("10.0.5.220", 5050, true)));
      accepted[0]++;
    });
    // The damage reaches the field checks deep in the document, and some of it is harmless.
    assertThat(paths).hasSizeGreaterThan(15);
    assertThat(accepted[0]).isPositive();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anyWellFormedStateReadsBackAsWhatItDescribes() {
    Property.forAll("state parser round trip", 300, StateParserPropertyTest::state, g -> g.json.toString(), g -> {
      byte[] body = MAPPER.writeValueAsBytes(g.json);
      assertThat(StateParser.parse(body)).isEqualTo(g.expected);
      assertThat(StateParser.parse(new ByteArrayInputStream(body))).isEqualTo(g.expected);
    });
  }

  private record Generated(Map<String, Object> json, MesosState expected) {}

  private static Generated state(Random r) {
    Map<String, Object> json = new LinkedHashMap<>();
    String leader = r.nextBoolean() ? "master@10.0.0." + r.nextInt(256) + ":5050" : null;
    if (leader != null) {
      json.put("leader", leader);
    }
    String pid = r.nextBoolean() ? "master@10.0.0.9:5050" : null;
    if (pid != null) {
      json.put("pid", pid);
    }
    List<Map<String, Object>> slaves = new ArrayList<>();
    List<Agent> agents = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      String id = "agent-" + word(r);
      String hostname = "host-" + word(r);
      String rawPid = r.nextBoolean() ? "slave(1)@10.0.1." + r.nextInt(256) + ":" + (1 + r.nextInt(65535))
          : (r.nextBoolean() ? "slave(1)@[2001:db8::" + r.nextInt(100) + "]:5051" : "no pid " + word(r));
      slaves.add(Map.of("id", id, "hostname", hostname, "pid", rawPid));
      agents.add(new Agent(id, hostname, rawPid, Pid.parse(rawPid).orElse(null)));
    }
    json.put("slaves", slaves);
    List<Map<String, Object>> fws = new ArrayList<>();
    List<Framework> frameworks = new ArrayList<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      String id = "fw-" + word(r);
      String name = word(r);
      List<Map<String, Object>> taskJson = new ArrayList<>();
      List<Task> tasks = new ArrayList<>();
      for (int j = r.nextInt(4); j > 0; j--) {
        task(r, id, taskJson, tasks);
      }
      fws.add(Map.of("id", id, "name", name, "tasks", taskJson));
      frameworks.add(new Framework(id, name, tasks));
    }
    json.put("frameworks", fws);
    return new Generated(json, new MesosState(leader, pid, agents, frameworks));
  }

  private static void task(Random r, String frameworkId, List<Map<String, Object>> out, List<Task> expected) {
    Map<String, Object> t = new LinkedHashMap<>();
    String id = "task-" + word(r);
    t.put("id", id);
    String name = r.nextBoolean() ? word(r) : null;
    if (name != null) {
      t.put("name", name);
    }
    t.put("framework_id", frameworkId);
    String agentId = "agent-" + word(r);
    t.put("slave_id", agentId);
    String state = r.nextBoolean() ? "TASK_RUNNING" : "TASK_STAGING";
    t.put("state", state);
    List<Label> labels = labels(r);
    t.put("labels", labelJson(labels));
    List<Integer> ports = new ArrayList<>();
    StringBuilder ranges = new StringBuilder("[");
    int next = 1 + r.nextInt(30000);
    for (int k = r.nextInt(3); k > 0; k--) {
      int lo = next;
      int hi = Math.min(65535, lo + r.nextInt(3));
      ranges.append(ranges.length() > 1 ? ", " : "").append(lo).append('-').append(hi);
      for (int p = lo; p <= hi; p++) {
        ports.add(p);
      }
      next = hi + 2 + r.nextInt(100);
      if (next > 65535) {
        break;
      }
    }
    t.put("resources", Map.of("cpus", 0.1, "ports", ranges.append(']').toString()));
    List<Map<String, Object>> statusJson = new ArrayList<>();
    List<TaskStatus> statuses = new ArrayList<>();
    for (int s = r.nextInt(3); s > 0; s--) {
      Map<String, Object> sj = new LinkedHashMap<>();
      String st = r.nextBoolean() ? "TASK_RUNNING" : "TASK_STARTING";
      double timestamp = 1.5e9 + r.nextInt(1_000_000) / 8.0;
      sj.put("state", st);
      sj.put("timestamp", timestamp);
      List<Label> statusLabels = labels(r);
      sj.put("labels", labelJson(statusLabels));
      Boolean healthy = r.nextBoolean() ? null : r.nextBoolean();
      if (healthy != null) {
        sj.put("healthy", healthy);
      }
      List<NetworkInfo> networks = new ArrayList<>();
      List<Map<String, Object>> nisJson = new ArrayList<>();
      for (int n = r.nextInt(2); n > 0; n--) {
        String ip = "9.0." + r.nextInt(256) + "." + r.nextInt(256);
        List<PortMapping> mappings = mappings(r);
        nisJson.add(Map.of("name", "dcos", "ip_addresses", List.of(Map.of("ip_address", ip)),
            "port_mappings", mappingJson(mappings)));
        networks.add(new NetworkInfo("dcos", List.of(ip), mappings));
      }
      sj.put("container_status", Map.of("network_infos", nisJson));
      statusJson.add(sj);
      statuses.add(new TaskStatus(st, timestamp, statusLabels, networks, healthy));
    }
    t.put("statuses", statusJson);
    Discovery discovery = null;
    if (r.nextBoolean()) {
      List<DiscoveryPort> dports = new ArrayList<>();
      List<Map<String, Object>> dportJson = new ArrayList<>();
      for (int k = r.nextInt(3); k > 0; k--) {
        int number = r.nextInt(65536);
        List<Label> portLabels = labels(r);
        dportJson.add(Map.of("number", number, "protocol", "tcp", "name", "p" + k,
            "labels", Map.of("labels", labelJson(portLabels))));
        dports.add(new DiscoveryPort(number, "tcp", "p" + k, portLabels));
      }
      String dname = word(r);
      t.put("discovery", Map.of("name", dname, "visibility", "FRAMEWORK", "ports", Map.of("ports", dportJson)));
      discovery = new Discovery(dname, dports, List.of());
    }
    Container container = null;
    if (r.nextBoolean()) {
      List<PortMapping> mappings = mappings(r);
      t.put("container", Map.of("type", "DOCKER",
          "docker", Map.of("image", "x", "network", "BRIDGE", "port_mappings", mappingJson(mappings))));
      container = new Container("DOCKER", "BRIDGE", mappings);
    }
    out.add(t);
    expected.add(new Task(id, name, frameworkId, agentId, state, labels, ports, statuses, discovery, container));
  }

  private static List<Label> labels(Random r) {
    List<Label> labels = new ArrayList<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      labels.add(new Label("k" + word(r), r.nextInt(4) == 0 ? "" : word(r)));
    }
    return labels;
  }

  private static List<Map<String, Object>> labelJson(List<Label> labels) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Label l : labels) {
      out.add(Map.of("key", l.key(), "value", l.value()));
    }
    return out;
  }

  private static List<PortMapping> mappings(Random r) {
    List<PortMapping> out = new ArrayList<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      out.add(new PortMapping(1 + r.nextInt(65535), 1 + r.nextInt(65535), r.nextBoolean() ? "tcp" : "udp"));
    }
    return out;
  }

  private static List<Map<String, Object>> mappingJson(List<PortMapping> mappings) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PortMapping m : mappings) {
      out.add(Map.of("host_port", m.hostPort(), "container_port", m.containerPort(), "protocol", m.protocol()));
    }
    return out;
  }

  private static String word(Random r) {
    StringBuilder s = new StringBuilder();
    for (int i = 1 + r.nextInt(8); i > 0; i--) {
      s.append((char) ('a' + r.nextInt(26)));
    }
    return s.toString();
  }
}
