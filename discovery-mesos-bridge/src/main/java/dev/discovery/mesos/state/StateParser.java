package dev.discovery.mesos.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a master {@code /master/state} (or {@code state.json}) body. Unknown fields are ignored and
 * JSON null is read as absent, so any Mesos version from 0.19 to 1.x parses; a field the bridge needs
 * with the wrong type fails the whole document with its JSON path, because a half-read state must
 * never look like a cluster with fewer tasks.
 */
public final class StateParser {
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  static {
    // Real states reach tens of megabytes; base64 labels make single strings large.
    MAPPER.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxStringLength(64 * 1024 * 1024).build());
  }

  private StateParser() {}

  /** Parses a state document from bytes. */
  public static MesosState parse(byte[] json) throws StateParseException {
    try {
      return read(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new StateParseException("not valid JSON (" + e.getOriginalMessage() + ")", e);
    } catch (IOException e) {
      throw new StateParseException("unreadable body (" + e.getMessage() + ")", e);
    }
  }

  /** Parses a state document from a stream, which is not closed. */
  public static MesosState parse(InputStream json) throws StateParseException {
    try {
      return read(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new StateParseException("not valid JSON (" + e.getOriginalMessage() + ")", e);
    } catch (IOException e) {
      throw new StateParseException("unreadable body (" + e.getMessage() + ")", e);
    }
  }

  private static MesosState read(JsonNode root) throws StateParseException {
    if (root == null || root.isMissingNode()) {
      throw new StateParseException("$", "empty body");
    }
    if (!root.isObject()) {
      throw new StateParseException("$", "expected an object, got " + kind(root));
    }
    if (!root.has("slaves") && !root.has("frameworks")) {
      // An empty object, or an error document: not a state, even if JSON.
      throw new StateParseException("$", "neither \"slaves\" nor \"frameworks\" present; not a master state");
    }
    String leader = text(root, "leader", "leader");
    List<Agent> agents = new ArrayList<>();
    JsonNode slaves = array(root, "slaves", "slaves");
    for (int i = 0; i < slaves.size(); i++) {
      String p = "slaves[" + i + "]";
      JsonNode s = object(slaves.get(i), p);
      String id = requiredText(s, "id", p + ".id");
      String rawPid = text(s, "pid", p + ".pid");
      agents.add(new Agent(id, text(s, "hostname", p + ".hostname"), rawPid,
          Pid.parse(rawPid).orElse(null)));
    }
    List<Framework> frameworks = new ArrayList<>();
    JsonNode fws = array(root, "frameworks", "frameworks");
    for (int i = 0; i < fws.size(); i++) {
      String p = "frameworks[" + i + "]";
      JsonNode f = object(fws.get(i), p);
      JsonNode ts = array(f, "tasks", p + ".tasks");
      List<Task> tasks = new ArrayList<>(ts.size());
      for (int j = 0; j < ts.size(); j++) {
        tasks.add(task(ts.get(j), p + ".tasks[" + j + "]"));
      }
      frameworks.add(new Framework(text(f, "id", p + ".id"), text(f, "name", p + ".name"), tasks));
    }
    String pid = text(root, "pid", "pid");
    return new MesosState(leader == null || leader.isEmpty() ? null : leader,
        pid == null || pid.isEmpty() ? null : pid, agents, frameworks);
  }

  private static Task task(JsonNode node, String p) throws StateParseException {
    JsonNode t = object(node, p);
    List<Integer> ports = List.of();
    JsonNode resources = t.get("resources");
    if (present(resources)) {
      object(resources, p + ".resources");
      String ranges = text(resources, "ports", p + ".resources.ports");
      try {
        ports = PortRanges.parse(ranges);
      } catch (IllegalArgumentException e) {
        throw new StateParseException(p + ".resources.ports", e.getMessage());
      }
    }
    List<TaskStatus> statuses = new ArrayList<>();
    JsonNode ss = array(t, "statuses", p + ".statuses");
    for (int i = 0; i < ss.size(); i++) {
      statuses.add(status(ss.get(i), p + ".statuses[" + i + "]"));
    }
    Discovery discovery = null;
    JsonNode d = t.get("discovery");
    if (present(d)) {
      String dp = p + ".discovery";
      object(d, dp);
      List<DiscoveryPort> dports = new ArrayList<>();
      JsonNode portsNode = d.get("ports");
      if (present(portsNode)) {
        object(portsNode, dp + ".ports");
        JsonNode list = array(portsNode, "ports", dp + ".ports.ports");
        for (int i = 0; i < list.size(); i++) {
          String pp = dp + ".ports.ports[" + i + "]";
          JsonNode port = object(list.get(i), pp);
          int number = requiredInt(port, "number", pp + ".number");
          if (number < 0 || number > 65535) {
            throw new StateParseException(pp + ".number", "port " + number + " out of range 0-65535");
          }
          dports.add(new DiscoveryPort(number, text(port, "protocol", pp + ".protocol"),
              text(port, "name", pp + ".name"), labels(port.get("labels"), pp + ".labels")));
        }
      }
      discovery = new Discovery(text(d, "name", dp + ".name"), dports,
          labels(d.get("labels"), dp + ".labels"));
    }
    return new Task(requiredText(t, "id", p + ".id"), text(t, "name", p + ".name"),
        text(t, "framework_id", p + ".framework_id"), text(t, "slave_id", p + ".slave_id"),
        text(t, "state", p + ".state"), labels(t.get("labels"), p + ".labels"), ports, statuses,
        discovery, container(t.get("container"), p + ".container"));
  }

  private static Container container(JsonNode node, String p) throws StateParseException {
    if (!present(node)) {
      return null;
    }
    JsonNode c = object(node, p);
    List<PortMapping> mappings = new ArrayList<>();
    String network = null;
    JsonNode docker = c.get("docker");
    if (present(docker)) {
      object(docker, p + ".docker");
      network = text(docker, "network", p + ".docker.network");
      mappings.addAll(portMappings(docker, p + ".docker"));
    }
    JsonNode nis = array(c, "network_infos", p + ".network_infos");
    for (int i = 0; i < nis.size(); i++) {
      String np = p + ".network_infos[" + i + "]";
      mappings.addAll(portMappings(object(nis.get(i), np), np));
    }
    return new Container(text(c, "type", p + ".type"), network, mappings);
  }

  private static List<PortMapping> portMappings(JsonNode parent, String p) throws StateParseException {
    List<PortMapping> mappings = new ArrayList<>();
    JsonNode pms = array(parent, "port_mappings", p + ".port_mappings");
    for (int i = 0; i < pms.size(); i++) {
      String mp = p + ".port_mappings[" + i + "]";
      JsonNode m = object(pms.get(i), mp);
      mappings.add(new PortMapping(requiredInt(m, "host_port", mp + ".host_port"),
          requiredInt(m, "container_port", mp + ".container_port"), text(m, "protocol", mp + ".protocol")));
    }
    return mappings;
  }

  private static TaskStatus status(JsonNode node, String p) throws StateParseException {
    JsonNode s = object(node, p);
    double timestamp = 0;
    JsonNode ts = s.get("timestamp");
    if (present(ts)) {
      if (!ts.isNumber()) {
        throw new StateParseException(p + ".timestamp", "expected a number, got " + kind(ts));
      }
      timestamp = ts.asDouble();
    }
    Boolean healthy = null;
    JsonNode h = s.get("healthy");
    if (present(h)) {
      if (!h.isBoolean()) {
        throw new StateParseException(p + ".healthy", "expected a boolean, got " + kind(h));
      }
      healthy = h.booleanValue();
    }
    List<NetworkInfo> networks = new ArrayList<>();
    JsonNode cs = s.get("container_status");
    if (present(cs)) {
      object(cs, p + ".container_status");
      JsonNode nis = array(cs, "network_infos", p + ".container_status.network_infos");
      for (int i = 0; i < nis.size(); i++) {
        networks.add(network(nis.get(i), p + ".container_status.network_infos[" + i + "]"));
      }
    }
    // Mesos 0.25 put network_infos directly on the status.
    JsonNode legacy = s.get("network_infos");
    if (present(legacy)) {
      JsonNode nis = array(s, "network_infos", p + ".network_infos");
      for (int i = 0; i < nis.size(); i++) {
        networks.add(network(nis.get(i), p + ".network_infos[" + i + "]"));
      }
    }
    return new TaskStatus(text(s, "state", p + ".state"), timestamp, labels(s.get("labels"), p + ".labels"),
        networks, healthy);
  }

  private static NetworkInfo network(JsonNode node, String p) throws StateParseException {
    JsonNode n = object(node, p);
    List<String> ips = new ArrayList<>();
    JsonNode addrs = array(n, "ip_addresses", p + ".ip_addresses");
    for (int i = 0; i < addrs.size(); i++) {
      JsonNode a = object(addrs.get(i), p + ".ip_addresses[" + i + "]");
      String ip = text(a, "ip_address", p + ".ip_addresses[" + i + "].ip_address");
      if (ip != null && !ip.isEmpty()) {
        ips.add(ip);
      }
    }
    String single = text(n, "ip_address", p + ".ip_address");
    if (single != null && !single.isEmpty()) {
      ips.add(single);
    }
    return new NetworkInfo(text(n, "name", p + ".name"), ips, portMappings(n, p));
  }

  /** Labels come as a bare array on tasks and statuses, and wrapped in {"labels": [...]} elsewhere. */
  private static List<Label> labels(JsonNode node, String p) throws StateParseException {
    if (!present(node)) {
      return List.of();
    }
    JsonNode list = node;
    String lp = p;
    if (node.isObject()) {
      lp = p + ".labels";
      list = node.get("labels");
      if (!present(list)) {
        return List.of();
      }
    }
    if (!list.isArray()) {
      throw new StateParseException(lp, "expected an array of {key, value}, got " + kind(list));
    }
    List<Label> labels = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String ep = lp + "[" + i + "]";
      JsonNode l = object(list.get(i), ep);
      labels.add(new Label(requiredText(l, "key", ep + ".key"), text(l, "value", ep + ".value")));
    }
    return labels;
  }

  private static boolean present(JsonNode n) {
    return n != null && !n.isNull() && !n.isMissingNode();
  }

  private static JsonNode object(JsonNode n, String p) throws StateParseException {
    if (n == null || !n.isObject()) {
      throw new StateParseException(p, "expected an object, got " + kind(n));
    }
    return n;
  }

  private static JsonNode array(JsonNode parent, String field, String p) throws StateParseException {
    JsonNode n = parent.get(field);
    if (!present(n)) {
      return MAPPER.createArrayNode();
    }
    if (!n.isArray()) {
      throw new StateParseException(p, "expected an array, got " + kind(n));
    }
    return n;
  }

  private static String text(JsonNode parent, String field, String p) throws StateParseException {
    JsonNode n = parent.get(field);
    if (!present(n)) {
      return null;
    }
    if (!n.isTextual()) {
      throw new StateParseException(p, "expected a string, got " + kind(n));
    }
    return n.textValue();
  }

  private static String requiredText(JsonNode parent, String field, String p) throws StateParseException {
    String s = text(parent, field, p);
    if (s == null || s.isEmpty()) {
      throw new StateParseException(p, "required string is missing or empty");
    }
    return s;
  }

  private static int requiredInt(JsonNode parent, String field, String p) throws StateParseException {
    JsonNode n = parent.get(field);
    if (!present(n)) {
      throw new StateParseException(p, "required number is missing");
    }
    if (!n.isNumber() || n.asDouble() != Math.rint(n.asDouble())
        || n.asDouble() < Integer.MIN_VALUE || n.asDouble() > Integer.MAX_VALUE) {
      throw new StateParseException(p, "expected an integer, got " + kind(n) + " " + n);
    }
    return n.asInt();
  }

  private static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "nothing";
    }
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
