package dev.discovery.consul.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Decodes and validates Consul request bodies (agent service registration, catalog registration) the way the
 * agent does: keys match case-insensitively and in snake_case, durations are Go strings or nanosecond numbers,
 * and errors carry Consul's texts.
 */
final class Payloads {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern META_KEY = Pattern.compile("^[a-zA-Z0-9_-]+$");

  private Payloads() {}

  static JsonNode parse(String body) {
    try {
      JsonNode node = MAPPER.readTree(body == null ? "" : body);
      if (node == null || node.isMissingNode()) {
        throw new ApiException(400, "Request decode failed: EOF");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "Request decode failed: " + e.getOriginalMessage());
    }
  }

  /** {@code PUT /v1/agent/service/register}. */
  static ServiceRegistration serviceRegistration(JsonNode body) {
    if (!body.isObject()) {
      throw decode("expected a JSON object for the service definition");
    }
    String name = text(body, "Name");
    if (name.isEmpty()) {
      throw new ApiException(400, "Missing service name");
    }
    return service(body, name, text(body, "ID"), true);
  }

  private static ServiceRegistration service(JsonNode body, String name, String rawId, boolean withChecks) {
    String id = rawId.isEmpty() ? name : rawId;
    String address = text(body, "Address");
    if (address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]")) {
      throw new ApiException(400, "Invalid service address");
    }
    int port = integer(body, "Port");
    Map<String, String> meta = stringMap(body, "Meta");
    if (meta != null) {
      String problem = validateMeta(meta);
      if (problem != null) {
        throw new ApiException(400, "Invalid Service Meta: " + problem);
      }
    }
    int passing = 1;
    int warning = 1;
    JsonNode weights = field(body, "Weights");
    if (weights != null && !weights.isNull()) {
      int p = integer(weights, "Passing");
      int w = integer(weights, "Warning");
      if (p != 0 || w != 0) {
        if (p < 1) {
          throw new ApiException(400, "Invalid Weights: Passing must be greater than 0");
        }
        if (w < 0) {
          throw new ApiException(400, "Invalid Weights: Warning must be greater or equal than 0");
        }
        if (p > 65535 || w > 65535) {
          throw new ApiException(400, "Invalid Weights: DNS Weight must be between 0 and 65535");
        }
        passing = p;
        warning = w;
      }
    }
    List<ServiceRegistration.CheckRegistration> checks = new ArrayList<>();
    if (withChecks) {
      List<JsonNode> raw = new ArrayList<>();
      JsonNode single = field(body, "Check");
      if (single != null && single.isObject() && single.size() > 0) {
        raw.add(single);
      }
      JsonNode many = field(body, "Checks");
      if (many != null && many.isArray()) {
        many.forEach(raw::add);
      }
      for (JsonNode c : raw) {
        checks.add(check(c));
      }
    }
    return new ServiceRegistration(id, name, text(body, "Kind"), stringList(body, "Tags"), address,
        taggedAddresses(body), meta, port, passing, warning, bool(body, "EnableTagOverride"), checks);
  }

  /** A check definition as given; catalog checks are never run, so it is not validated here. */
  static CheckDefinition definition(JsonNode c) {
    List<String> args = stringList(c, "Args");
    if (args.isEmpty()) {
      args = stringList(c, "ScriptArgs");
    }
    Map<String, List<String>> header = new LinkedHashMap<>();
    JsonNode h = field(c, "Header");
    if (h != null && h.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        List<String> values = new ArrayList<>();
        if (e.getValue().isArray()) {
          e.getValue().forEach(v -> values.add(v.asText()));
        } else {
          values.add(e.getValue().asText());
        }
        header.put(e.getKey(), List.copyOf(values));
      }
    }
    return new CheckDefinition(text(c, "HTTP"), text(c, "Method"), header, text(c, "Body"),
        text(c, "TLSServerName"), bool(c, "TLSSkipVerify"), text(c, "TCP"), text(c, "UDP"), text(c, "GRPC"),
        bool(c, "GRPCUseTLS"), text(c, "H2PING"), args, text(c, "DockerContainerID"), text(c, "Shell"),
        text(c, "AliasNode"), text(c, "AliasService"), duration(c, "Interval"), duration(c, "Timeout"),
        duration(c, "TTL"), duration(c, "DeregisterCriticalServiceAfter"));
  }

  static ServiceRegistration.CheckRegistration check(JsonNode c) {
    if (!c.isObject()) {
      throw decode("expected a JSON object for a check");
    }
    CheckDefinition def = definition(c);
    String problem = def.validate();
    if (problem != null) {
      throw new ApiException(400, "Invalid check: " + problem);
    }
    String status = text(c, "Status");
    if (!status.isEmpty() && !CheckEntry.validStatus(status)) {
      throw new ApiException(400, "Status for checks must 'passing', 'warning', 'critical'");
    }
    String checkId = text(c, "CheckID");
    if (checkId.isEmpty()) {
      checkId = text(c, "ID");
    }
    return new ServiceRegistration.CheckRegistration(checkId, text(c, "Name"), text(c, "Notes"),
        status.isEmpty() ? null : status, def);
  }

  /** A parsed {@code PUT /v1/catalog/register} body. */
  record CatalogRegistration(NodeEntry node, ServiceRegistration service, List<CheckEntry> checks) {}

  /** {@code PUT /v1/catalog/register}: a low-level write of a node, optionally a service and checks. */
  static CatalogRegistration catalogRegistration(JsonNode body, String defaultDc) {
    if (!body.isObject()) {
      throw decode("expected a JSON object");
    }
    String node = text(body, "Node");
    String address = text(body, "Address");
    if (node.isEmpty()) {
      throw new ApiException(400, "Must provide node");
    }
    if (address.isEmpty()) {
      throw new ApiException(400, "Must provide address");
    }
    String dc = text(body, "Datacenter");
    Map<String, String> tagged = stringMap(body, "TaggedAddresses");
    Map<String, String> nodeMeta = stringMap(body, "NodeMeta");
    NodeEntry nodeEntry = new NodeEntry(node, text(body, "ID"), address, dc.isEmpty() ? defaultDc : dc,
        tagged == null ? Map.of() : tagged, nodeMeta == null ? Map.of() : nodeMeta, false, 0, 0);
    ServiceRegistration service = null;
    JsonNode s = field(body, "Service");
    if (s != null && s.isObject()) {
      String name = text(s, "Service");
      if (name.isEmpty()) {
        throw new ApiException(400, "Must provide service name (Service.Service) with Service.ID");
      }
      service = service(s, name, text(s, "ID"), false);
    }
    List<CheckEntry> checks = new ArrayList<>();
    List<JsonNode> raw = new ArrayList<>();
    JsonNode single = field(body, "Check");
    if (single != null && single.isObject()) {
      raw.add(single);
    }
    JsonNode many = field(body, "Checks");
    if (many != null && many.isArray()) {
      many.forEach(raw::add);
    }
    for (JsonNode c : raw) {
      String status = text(c, "Status");
      if (status.isEmpty()) {
        status = CheckEntry.CRITICAL;
      } else if (!CheckEntry.validStatus(status)) {
        throw new ApiException(400, "Invalid check status: \"" + status + "\"");
      }
      String serviceId = text(c, "ServiceID");
      String serviceName = "";
      List<String> serviceTags = List.of();
      if (!serviceId.isEmpty() && service != null && service.id().equals(serviceId)) {
        serviceName = service.name();
        serviceTags = service.tags();
      }
      JsonNode defNode = field(c, "Definition");
      CheckDefinition def = CheckDefinition.EMPTY;
      if (defNode != null && defNode.isObject()) {
        def = definition(defNode);
      }
      checks.add(new CheckEntry(node, text(c, "CheckID"), text(c, "Name"), status, text(c, "Notes"),
          text(c, "Output"), serviceId, serviceName, serviceTags, "", def, 0, 0));
    }
    return new CatalogRegistration(nodeEntry, service, checks);
  }

  static String validateMeta(Map<String, String> meta) {
    if (meta.size() > 64) {
      return "Service metadata cannot contain more than 64 key/value pairs";
    }
    for (Map.Entry<String, String> e : meta.entrySet()) {
      String key = e.getKey();
      String problem = null;
      if (key.isEmpty()) {
        problem = "Key cannot be blank";
      } else if (!META_KEY.matcher(key).matches()) {
        problem = "Key contains invalid characters";
      } else if (key.length() > 128) {
        problem = "Key is too long (limit: 128 characters)";
      } else if (key.startsWith("consul-")) {
        problem = "Key prefix 'consul-' is reserved for internal use";
      } else if (e.getValue().length() > 512) {
        problem = "Value is too long (limit: 512 characters)";
      }
      if (problem != null) {
        return "Couldn't load metadata pair ('" + key + "', '" + e.getValue() + "'): " + problem;
      }
    }
    return null;
  }

  // ---- field access: Go's JSON decoding matches names case-insensitively; Consul also accepts snake_case ----

  static JsonNode field(JsonNode obj, String name) {
    JsonNode exact = obj.get(name);
    if (exact != null) {
      return exact;
    }
    String wanted = normalize(name);
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (normalize(e.getKey()).equals(wanted)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String normalize(String key) {
    return key.replace("_", "").toLowerCase(Locale.ROOT);
  }

  static String text(JsonNode obj, String name) {
    JsonNode v = field(obj, name);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw decode("field " + name + " must be a string, got " + v.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return v.asText();
  }

  static int integer(JsonNode obj, String name) {
    JsonNode v = field(obj, name);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw decode("field " + name + " must be an integer, got " + v);
    }
    return v.asInt();
  }

  static boolean bool(JsonNode obj, String name) {
    JsonNode v = field(obj, name);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw decode("field " + name + " must be a boolean, got " + v);
    }
    return v.asBoolean();
  }

  static Duration duration(JsonNode obj, String name) {
    JsonNode v = field(obj, name);
    if (v == null || v.isNull()) {
      return Duration.ZERO;
    }
    if (v.isIntegralNumber()) {
      return Duration.ofNanos(v.asLong());
    }
    if (v.isTextual()) {
      if (v.asText().isEmpty()) {
        return Duration.ZERO;
      }
      try {
        return GoDuration.parse(v.asText());
      } catch (IllegalArgumentException e) {
        throw decode(e.getMessage());
      }
    }
    throw decode("field " + name + " must be a duration such as \"10s\", got " + v);
  }

  static List<String> stringList(JsonNode obj, String name) {
    JsonNode v = field(obj, name);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw decode("field " + name + " must be an array of strings, got " + v);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw decode("field " + name + " must be an array of strings, got " + v);
      }
      out.add(item.asText());
    }
    return List.copyOf(out);
  }

  /** A string map, or null when the field is absent or JSON null (Consul then reports null). */
  static Map<String, String> stringMap(JsonNode obj, String name) {
    JsonNode v = field(obj, name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      throw decode("field " + name + " must be an object of strings, got " + v);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw decode("field " + name + "." + e.getKey() + " must be a string, got " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static Map<String, ServiceEntry.TaggedAddress> taggedAddresses(JsonNode obj) {
    JsonNode v = field(obj, "TaggedAddresses");
    Map<String, ServiceEntry.TaggedAddress> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw decode("field TaggedAddresses must be an object, got " + v);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isObject()) {
        throw decode("TaggedAddresses." + e.getKey() + " must be an object with Address and Port");
      }
      out.put(e.getKey(), new ServiceEntry.TaggedAddress(text(e.getValue(), "Address"),
          integer(e.getValue(), "Port")));
    }
    return out;
  }

  private static ApiException decode(String detail) {
    return new ApiException(400, "Request decode failed: " + detail);
  }

  /** The IP literal in {@code address}, or null when it is empty or a host name. Never does a DNS lookup. */
  static InetAddress ipLiteral(String address) {
    if (address == null || address.isEmpty()) {
      return null;
    }
    String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1)
        : address;
    boolean v4 = a.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = a.indexOf(':') >= 0 && a.matches("[0-9a-fA-F:.]+");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(a);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
