package dev.discovery.consul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The agent API's JSON: registration bodies out, {@code /v1/agent/services} and {@code /v1/agent/checks} in. Pure, no I/O. */
final class AgentJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private AgentJson() {}

  /** The body of {@code PUT /v1/agent/service/register}, in Consul's field names. */
  static byte[] registration(ServiceRegistration reg) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("ID", reg.id());
    root.put("Name", reg.name());
    ArrayNode tags = root.putArray("Tags");
    reg.tags().forEach(tags::add);
    if (reg.address() != null) {
      root.put("Address", reg.address());
    }
    if (reg.port() != 0) {
      root.put("Port", reg.port());
    }
    ObjectNode meta = root.putObject("Meta");
    reg.meta().forEach(meta::put);
    root.put("EnableTagOverride", reg.enableTagOverride());
    if (reg.weightsSet()) {
      ObjectNode weights = root.putObject("Weights");
      weights.put("Passing", reg.passingWeight());
      weights.put("Warning", reg.warningWeight());
    }
    if (!reg.checks().isEmpty()) {
      ArrayNode checks = root.putArray("Checks");
      List<String> ids = reg.checkIds();
      for (int i = 0; i < reg.checks().size(); i++) {
        checks.add(check(reg.checks().get(i), ids.get(i)));
      }
    }
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the registration of " + reg.id(), e);
    }
  }

  private static ObjectNode check(CheckDefinition c, String id) {
    ObjectNode node = MAPPER.createObjectNode();
    // Sent explicitly so that heartbeats and the agent agree on the ID whatever Consul's generation rule.
    node.put("CheckID", id);
    if (c.name() != null) {
      node.put("Name", c.name());
    }
    switch (c.kind()) {
      case TTL:
        node.put("TTL", GoDuration.format(c.ttl()));
        break;
      case HTTP:
        node.put("HTTP", c.target());
        node.put("Interval", GoDuration.format(c.interval()));
        break;
      case TCP:
        node.put("TCP", c.target());
        node.put("Interval", GoDuration.format(c.interval()));
        break;
      case GRPC:
        node.put("GRPC", c.target());
        node.put("GRPCUseTLS", c.grpcUseTls());
        node.put("Interval", GoDuration.format(c.interval()));
        break;
      default:
        throw new IllegalStateException("unknown check kind " + c.kind());
    }
    if (c.timeout() != null) {
      node.put("Timeout", GoDuration.format(c.timeout()));
    }
    if (c.deregisterCriticalServiceAfter() != null) {
      node.put("DeregisterCriticalServiceAfter", GoDuration.format(c.deregisterCriticalServiceAfter()));
    }
    if (c.initialStatus() != null) {
      node.put("Status", c.initialStatus().name().toLowerCase(Locale.ROOT));
    }
    if (c.notes() != null) {
      node.put("Notes", c.notes());
    }
    return node;
  }

  /**
   * Parses {@code GET /v1/agent/services}: an object of service ID to service, sorted by ID.
   *
   * @throws IllegalArgumentException naming the offending field when the body is not what Consul sends
   */
  static List<AgentService> services(byte[] body) {
    return sortedObjectEntries(body, "service ID to service", AgentJson::service, AgentService::id);
  }

  /**
   * Parses {@code GET /v1/agent/checks}: an object of check ID to check, sorted by ID.
   *
   * @throws IllegalArgumentException naming the offending field when the body is not what Consul sends
   */
  static List<AgentCheck> checks(byte[] body) {
    return sortedObjectEntries(body, "check ID to check", AgentJson::check, AgentCheck::id);
  }

  /**
   * Parses {@code GET /v1/catalog/services}: an object of service name to the tags of its instances (an array of
   * strings, or {@code null} as some Consul versions send for a service without tags).
   *
   * @throws IllegalArgumentException naming the offending service when the body is not what Consul sends
   */
  static Map<String, java.util.Set<String>> catalogServices(byte[] body) {
    JsonNode root = tree(body, "service name to tags");
    Map<String, java.util.Set<String>> out = new java.util.TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      JsonNode tags = e.getValue();
      java.util.Set<String> set = new java.util.TreeSet<>();
      if (tags != null && !tags.isNull()) {
        if (!tags.isArray()) {
          throw new IllegalArgumentException("the tags of service '" + e.getKey() + "' must be an array, was "
              + tags.getNodeType());
        }
        for (JsonNode t : tags) {
          if (!t.isTextual()) {
            throw new IllegalArgumentException("a tag of service '" + e.getKey() + "' is not a string: " + t);
          }
          set.add(t.asText());
        }
      }
      out.put(e.getKey(), set);
    }
    return out;
  }

  private static AgentCheck check(String id, JsonNode c) {
    String at = "check '" + id + "'";
    if (!c.isObject()) {
      throw new IllegalArgumentException(at + " must be an object");
    }
    return new AgentCheck(text(c, "CheckID", at, true), text(c, "Name", at, false),
        text(c, "Status", at, true), text(c, "ServiceID", at, false), text(c, "ServiceName", at, false),
        text(c, "Notes", at, false), text(c, "Output", at, false), text(c, "Type", at, false));
  }

  /** The agent's "ID to object" answers: each entry read by {@code read}, sorted by {@code id}. */
  private static <T> List<T> sortedObjectEntries(byte[] body, String what,
      java.util.function.BiFunction<String, JsonNode, T> read, java.util.function.Function<T, String> id) {
    JsonNode root = tree(body, what);
    List<T> out = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      out.add(read.apply(e.getKey(), e.getValue()));
    }
    out.sort(Comparator.comparing(id));
    return out;
  }

  private static JsonNode tree(byte[] body, String what) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not valid JSON (" + e.getOriginalMessage() + ")", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("the body cannot be read (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the body must be a JSON object of " + what + ", was "
          + (root == null ? "empty" : root.getNodeType()));
    }
    return root;
  }

  private static AgentService service(String key, JsonNode s) {
    String at = "service '" + key + "'";
    if (!s.isObject()) {
      throw new IllegalArgumentException(at + " must be an object");
    }
    String id = text(s, "ID", at, true);
    String name = text(s, "Service", at, true);
    String address = text(s, "Address", at, false);
    int port = integer(s, "Port", at, 0, 0, 65535);
    List<String> tags = new ArrayList<>();
    JsonNode t = s.get("Tags");
    if (t != null && !t.isNull()) {
      if (!t.isArray()) {
        throw new IllegalArgumentException(at + " field Tags must be an array of strings");
      }
      for (JsonNode tag : t) {
        if (!tag.isTextual()) {
          throw new IllegalArgumentException(at + " field Tags must hold strings only");
        }
        tags.add(tag.asText());
      }
    }
    Map<String, String> meta = new LinkedHashMap<>();
    JsonNode m = s.get("Meta");
    if (m != null && !m.isNull()) {
      if (!m.isObject()) {
        throw new IllegalArgumentException(at + " field Meta must be an object of strings");
      }
      m.fields().forEachRemaining(e -> {
        if (!e.getValue().isTextual()) {
          throw new IllegalArgumentException(at + " field Meta." + e.getKey() + " must be a string");
        }
        meta.put(e.getKey(), e.getValue().asText());
      });
    }
    int passing = 1;
    int warning = 1;
    JsonNode w = s.get("Weights");
    if (w != null && !w.isNull()) {
      if (!w.isObject()) {
        throw new IllegalArgumentException(at + " field Weights must be an object");
      }
      passing = integer(w, "Passing", at + " Weights", 1, 0, Integer.MAX_VALUE);
      warning = integer(w, "Warning", at + " Weights", 1, 0, Integer.MAX_VALUE);
    }
    JsonNode eto = s.get("EnableTagOverride");
    if (eto != null && !eto.isNull() && !eto.isBoolean()) {
      throw new IllegalArgumentException(at + " field EnableTagOverride must be a boolean");
    }
    String dc = text(s, "Datacenter", at, false);
    return new AgentService(id, name, address, port, tags, meta, passing, warning,
        eto != null && eto.asBoolean(), dc);
  }

  private static String text(JsonNode node, String field, String at, boolean required) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(at + " lacks the required field " + field);
      }
      return "";
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(at + " field " + field + " must be a string, was " + v.getNodeType());
    }
    if (required && v.asText().isBlank()) {
      throw new IllegalArgumentException(at + " field " + field + " must not be empty");
    }
    return v.asText();
  }

  private static int integer(JsonNode node, String field, String at, int dflt, int min, int max) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw new IllegalArgumentException(at + " field " + field + " must be an integer within " + min + ".."
          + max + ", was " + v);
    }
    return v.asInt();
  }
}
