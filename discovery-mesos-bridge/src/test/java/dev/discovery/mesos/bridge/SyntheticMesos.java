package dev.discovery.mesos.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A generated {@code /master/state} of any size with the mix of task shapes a real cluster has: apps with many
 * instances, two frameworks, one- and two-port tasks, Docker-bridge tasks with a port mapping and a container
 * IP, named DiscoveryInfo ports (also listed in resources), {@code tags} and {@code check_http} labels, and some
 * tasks Mesos reports unhealthy (maintenance). Deterministic: the same arguments give the same bytes, so one
 * scenario serves the steady-state test here (testkit agents, small) and the benchmark (10,000 tasks, 100
 * agents). Uses only what the bridge's main code depends on, so the benchmarks module can run it too; public for
 * that (the benchmarks reach it through this module's test jar, from their own package).
 */
public final class SyntheticMesos {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SyntheticMesos() {}

  /** How many of {@code tasks} tasks are unhealthy (every 25th, starting with the 13th). */
  static int unhealthyTasks(int tasks) {
    return tasks <= 12 ? 0 : (tasks - 13) / 25 + 1;
  }

  /**
   * @param agentHosts the IPs of the Mesos agents (and of their Consul agents); tasks go round-robin over them
   * @param tasks running tasks in all
   * @param master the leading master's {@code host:port}
   */
  public static byte[] state(List<String> agentHosts, int tasks, String master) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.8.0");
    root.put("pid", "master@" + master);
    root.put("leader", "master@" + master);
    ArrayNode slaves = root.putArray("slaves");
    for (int i = 0; i < agentHosts.size(); i++) {
      ObjectNode s = slaves.addObject();
      s.put("id", agentId(i));
      s.put("hostname", "agent-" + i + ".example");
      s.put("pid", "slave(1)@" + agentHosts.get(i) + ":5051");
      s.putObject("resources").put("ports", "[31000-32000]");
    }
    ArrayNode frameworks = root.putArray("frameworks");
    ObjectNode marathon = framework(frameworks, "marathon", 0);
    ObjectNode chronos = framework(frameworks, "chronos", 1);
    int apps = Math.max(1, tasks / 20);
    for (int k = 0; k < tasks; k++) {
      int agent = k % agentHosts.size();
      // Two ports per task slot on its agent, so no two tasks on one agent share a host port.
      int port = 31000 + 2 * (k / agentHosts.size());
      boolean batch = k % 10 == 9;
      ObjectNode fw = batch ? chronos : marathon;
      String app = (batch ? "job-" : "app-") + (k % apps);
      ObjectNode t = ((ArrayNode) fw.get("tasks")).addObject();
      String taskId = app + "." + String.format("%08x-0000-4000-8000-%012d", k, k);
      t.put("id", taskId);
      t.put("name", app);
      t.put("framework_id", fw.get("id").asText());
      t.put("slave_id", agentId(agent));
      t.put("state", "TASK_RUNNING");
      boolean twoPorts = k % 4 == 3;
      t.putObject("resources").put("cpus", 0.1).put("mem", 128.0)
          .put("ports", "[" + port + "-" + (twoPorts ? port + 1 : port) + "]");
      ArrayNode labels = t.putArray("labels");
      if (k % 3 == 0) {
        label(labels, "tags", "v" + (k % 5) + ",team-" + (k % 7));
      }
      if (k % 7 == 0) {
        label(labels, "check_http", "http://{host}:{port}/health");
        label(labels, "check_interval", "15s");
      }
      boolean bridged = k % 5 == 2;
      ObjectNode status = t.putArray("statuses").addObject();
      status.put("state", "TASK_RUNNING");
      status.put("timestamp", 1_700_000_000.0 + k);
      if (k % 25 == 12) {
        status.put("healthy", false);
      } else if (k % 2 == 0) {
        status.put("healthy", true);
      }
      if (bridged) {
        ObjectNode ni = status.putObject("container_status").putArray("network_infos").addObject();
        ni.putArray("ip_addresses").addObject().put("protocol", "IPv4")
            .put("ip_address", "172.17." + (k / 250 % 250) + "." + (k % 250 + 2));
        ObjectNode docker = t.putObject("container").put("type", "DOCKER").putObject("docker");
        docker.put("image", "example/" + app).put("network", "BRIDGE");
        docker.putArray("port_mappings").addObject().put("host_port", port).put("container_port", 8080)
            .put("protocol", "tcp");
      }
      if (k % 6 == 5) {
        ObjectNode d = t.putObject("discovery");
        d.put("visibility", "FRAMEWORK").put("name", app);
        ObjectNode p = d.putObject("ports").putArray("ports").addObject();
        p.put("number", port).put("protocol", "tcp").put("name", "http");
      }
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String agentId(int i) {
    return "5a1e7d1c-0000-4000-8000-000000000000-S" + i;
  }

  private static ObjectNode framework(ArrayNode frameworks, String name, int n) {
    ObjectNode f = frameworks.addObject();
    f.put("id", "5a1e7d1c-0000-4000-8000-000000000000-000" + n);
    f.put("name", name);
    f.putArray("tasks");
    return f;
  }

  private static void label(ArrayNode labels, String key, String value) {
    labels.addObject().put("key", key).put("value", value);
  }
}
