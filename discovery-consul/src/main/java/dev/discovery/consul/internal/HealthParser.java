package dev.discovery.consul.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.discovery.Health;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@code /v1/health/service/:service} body into instances. Pure: no I/O, no clock.
 *
 * <ul>
 *   <li>Address: the tagged address when one is configured and present, else {@code Service.Address} when
 *       non-empty, else {@code Node.Address}. Tagged-address keys are matched case-insensitively, because
 *       Consul's own samples use both {@code address} and {@code Address}.</li>
 *   <li>Health: the aggregate of all the entry's checks, node checks such as {@code serfHealth} included;
 *       maintenance checks and unknown statuses count as critical.</li>
 *   <li>Weight: {@code Weights.Passing}, or {@code Weights.Warning} for a warning instance; default 1,
 *       at least 1.</li>
 *   <li>ID: {@code <Node>/<Service.ID>}, since service IDs are only unique per agent.</li>
 *   <li>Node meta: {@code Node.Meta}, for selectors that read an instance's zone from its node; equal node meta
 *       is one shared map.</li>
 *   <li>Instances the query does not accept (critical under passing-or-warning; anything not passing
 *       under passing) are left out, as are services registered without a port (port 0).</li>
 * </ul>
 *
 * Anything else unexpected (the body {@code null} included, which Consul never sends: it sends {@code []})
 * rejects the whole answer with an {@link InvalidAnswerException} naming the entry and field.
 *
 * <p>Internal: see the package documentation. Public for the benchmarks, which time it apart from the network.
 */
public final class HealthParser {
  private static final JsonNodeFactory NODES = new CompactNodes();
  private static final ObjectMapper MAPPER = new ObjectMapper().setNodeFactory(NODES);

  /**
   * Tree nodes sized for Consul's small objects: a hash map instead of Jackson's linked one (the order of an
   * entry's fields never matters here, and the instance copies tags and meta into immutable collections
   * anyway), and arrays that start small. A 5,000-instance answer is some 40,000 such objects.
   */
  private static final class CompactNodes extends JsonNodeFactory {
    private static final long serialVersionUID = 1L;

    CompactNodes() {
      super(false);
    }

    @Override
    public ObjectNode objectNode() {
      return new ObjectNode(this, new java.util.HashMap<>(8)); // 8 buckets: up to 6 fields, no resize
    }

    @Override
    public ArrayNode arrayNode() {
      return new ArrayNode(this, 4);
    }

    ObjectNode objectNode(int fields) {
      return new ObjectNode(this, new java.util.HashMap<>(Math.max(2, fields * 4 / 3 + 1)));
    }
  }

  /**
   * The part of each entry this parser reads. Everything else (check outputs and definitions, raft
   * indexes, proxy settings: most of an entry's bytes) is skipped by the tokenizer and never becomes a tree, which
   * cuts the allocation of a large answer by a quarter. Skipped parts are still checked for valid JSON. Tagged
   * addresses are read, and checked, only when the backend is configured to use them.
   */
  private static final Shape BODY = body(false);
  private static final Shape BODY_WITH_TAGGED_ADDRESSES = body(true);

  private static Shape body(boolean taggedAddresses) {
    Map<String, Shape> node = new java.util.HashMap<>(Map.of("Node", Shape.ALL, "Address", Shape.ALL,
        "Meta", Shape.SHARED_STRINGS));
    Map<String, Shape> service = new java.util.HashMap<>(Map.of("ID", Shape.ALL, "Service", Shape.ALL,
        "Address", Shape.ALL, "Port", Shape.ALL, "Tags", Shape.ALL, "Meta", Shape.ALL, "Weights", Shape.ALL));
    if (taggedAddresses) {
      node.put("TaggedAddresses", Shape.ALL);
      service.put("TaggedAddresses", Shape.ALL);
    }
    return Shape.arrayOf(Shape.object(Map.of(
        "Node", Shape.object(Map.copyOf(node)),
        "Service", Shape.object(Map.copyOf(service)),
        "Checks", Shape.arrayOf(Shape.object(Map.of("Status", Shape.ALL, "CheckID", Shape.ALL))))));
  }

  /** Which fields of an object to keep (null: keep the whole value), or the shape of an array's elements. */
  private record Shape(Map<String, Shape> fields, Shape elements) {
    static final Shape ALL = new Shape(null, null);
    /**
     * An object of strings that repeats from entry to entry (node meta): read straight into a map, the same map
     * object as an equal one read before, so that repeats cost neither a tree nor a map nor a string. Compared by
     * identity: records are equal by value, and this one has the same components as {@link #ALL}.
     */
    static final Shape SHARED_STRINGS = new Shape(null, null);

    static Shape object(Map<String, Shape> fields) {
      return new Shape(fields, null);
    }

    static Shape arrayOf(Shape elements) {
      return new Shape(null, elements);
    }
  }

  private HealthParser() {}

  /** What a parse produced: the accepted instances and how many entries were left out for having no port. */
  public record Result(List<ServiceInstance> instances, int withoutPort) {}

  /**
   * Parses one health answer for {@code query}, connecting to {@code taggedAddress} when given (else {@code null}).
   *
   * @throws InvalidAnswerException naming the entry and field when the body is not what Consul sends
   */
  public static Result parse(byte[] body, ServiceQuery query, String taggedAddress) throws InvalidAnswerException {
    try {
      return parse(MAPPER.createParser(body), query, taggedAddress);
    } catch (InvalidAnswerException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidAnswerException("the body cannot be read (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Parses one health answer while it arrives: a large answer is read and parsed at once rather than held whole
   * first (the cold start of a 5,000-instance service waited for its 5 MB body before parsing a byte).
   *
   * @throws InvalidAnswerException naming the entry and field when the body is not what Consul sends
   * @throws IOException when the stream fails (the connection, or the body cap): not the answer's fault
   */
  public static Result parse(InputStream body, ServiceQuery query, String taggedAddress)
      throws InvalidAnswerException, IOException {
    return parse(MAPPER.createParser(body), query, taggedAddress);
  }

  private static Result parse(JsonParser source, ServiceQuery query, String taggedAddress)
      throws InvalidAnswerException, IOException {
    JsonNode root;
    try (JsonParser parser = source) {
      root = parser.nextToken() == null ? null
          : read(parser, taggedAddress == null ? BODY : BODY_WITH_TAGGED_ADDRESSES, new Recent());
      JsonToken trailing = root == null ? null : parser.nextToken();
      if (trailing != null) {
        throw new InvalidAnswerException("the body is not valid JSON (a " + trailing + " token follows the"
            + " value; Consul sends a single JSON array)");
      }
    } catch (JsonProcessingException e) {
      throw new InvalidAnswerException("the body is not valid JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (root == null || root.isMissingNode()) {
      throw new InvalidAnswerException("the body is empty; Consul answers with a JSON array");
    }
    if (!root.isArray()) {
      throw new InvalidAnswerException("the body must be a JSON array of entries, was " + root.getNodeType()
          + (root.isNull() ? " (Consul sends [] when there is no instance)" : ""));
    }
    List<ServiceInstance> out = new ArrayList<>(root.size());
    int withoutPort = 0;
    for (int i = 0; i < root.size(); i++) {
      Entry e = entry(root.get(i), i, query);
      if (e.port == 0) {
        withoutPort++;
        continue;
      }
      ServiceInstance instance = e.instance(taggedAddress, i);
      if (query.matches(instance)) {
        out.add(instance);
      }
    }
    return new Result(Collections.unmodifiableList(out), withoutPort);
  }

  /**
   * Reads the value at the parser's current token as a tree, keeping only what {@code shape} names. A value of
   * another kind than the shape expects is read whole, so that the checks below report its type.
   */
  private static JsonNode read(JsonParser p, Shape shape, Recent recent) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT && shape == Shape.SHARED_STRINGS) {
      return recent.read(p);
    }
    if (t == JsonToken.START_OBJECT && shape.fields() != null) {
      ObjectNode object = ((CompactNodes) NODES).objectNode(shape.fields().size());
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        Shape field = shape.fields().get(name);
        p.nextToken();
        if (field == null) {
          p.skipChildren();
        } else {
          object.set(name, read(p, field, recent));
        }
      }
      return object;
    }
    if (t == JsonToken.START_ARRAY && shape.elements() != null) {
      ArrayNode array = NODES.arrayNode();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        array.add(read(p, shape.elements(), recent));
      }
      return array;
    }
    switch (t) {
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        return MAPPER.readTree(p); // whole objects and arrays, and fractions: read as Jackson would
    }
  }

  /** One entry's fields, checked. */
  private static final class Entry {
    String node;
    String nodeAddress;
    Map<String, String> nodeTagged;
    String serviceId;
    String service;
    String serviceAddress;
    int port;
    Set<String> tags;
    Map<String, String> meta;
    Map<String, String> nodeMeta;
    Map<String, JsonNode> serviceTagged;
    int passingWeight = 1;
    int warningWeight = 1;
    Health health;

    ServiceInstance instance(String taggedAddress, int index) throws InvalidAnswerException {
      String host = serviceAddress.isEmpty() ? nodeAddress : serviceAddress;
      int p = port;
      if (taggedAddress != null) {
        JsonNode tagged = serviceTagged.get(taggedAddress);
        String nodeTag = nodeTagged.get(taggedAddress);
        if (tagged != null) {
          String a = field(tagged, "address");
          if (a != null && !a.isEmpty()) {
            host = a;
            int tp = taggedPort(tagged, index);
            p = tp > 0 ? tp : port;
          }
        } else if (nodeTag != null && !nodeTag.isEmpty()) {
          host = nodeTag;
        }
      }
      if (host.isBlank()) {
        throw new InvalidAnswerException("entry " + index + " (" + node + "/" + serviceId
            + ") has an empty address: both Service.Address and Node.Address are empty");
      }
      int weight = health == Health.WARNING ? warningWeight : passingWeight;
      try {
        return new ServiceInstance(node + "/" + serviceId, service, host, p, tags, meta, Math.max(1, weight),
            health, nodeMeta);
      } catch (IllegalArgumentException e) {
        throw new InvalidAnswerException("entry " + index + " is not a usable instance: " + e.getMessage(), e);
      }
    }

    private int taggedPort(JsonNode tagged, int index) throws InvalidAnswerException {
      JsonNode v = fieldNode(tagged, "port");
      if (v == null || v.isNull()) {
        return 0;
      }
      if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > 65535) {
        throw new InvalidAnswerException("entry " + index + " Service.TaggedAddresses port must be an integer"
            + " within 0..65535, was " + v);
      }
      return v.asInt();
    }
  }

  private static Entry entry(JsonNode n, int i, ServiceQuery query) throws InvalidAnswerException {
    if (n == null || !n.isObject()) {
      throw new InvalidAnswerException(at(i, "", -1) + " must be an object with Node, Service and Checks");
    }
    JsonNode node = object(n, "Node", i, "", true);
    JsonNode service = object(n, "Service", i, "", true);
    Entry e = new Entry();
    e.node = text(node, "Node", i, " Node", -1, true);
    e.nodeAddress = text(node, "Address", i, " Node", -1, true);
    e.nodeTagged = stringMap(node, "TaggedAddresses", i, " Node", true);
    e.nodeMeta = sharedStrings(node, "Meta", i, " Node");
    e.serviceId = text(service, "ID", i, " Service", -1, true);
    e.service = text(service, "Service", i, " Service", -1, true);
    if (e.serviceId.isEmpty() || e.service.isEmpty() || e.node.isEmpty()) {
      throw new InvalidAnswerException(at(i, "", -1) + " has an empty Node.Node, Service.ID or Service.Service");
    }
    if (!e.service.equalsIgnoreCase(query.service())) {
      throw new InvalidAnswerException(at(i, "", -1) + " Service.Service is '" + e.service + "', not the service asked for '"
          + query.service() + "'");
    }
    String addr = text(service, "Address", i, " Service", -1, false);
    e.serviceAddress = addr == null ? "" : addr;
    JsonNode port = service.get("Port");
    if (port == null || port.isNull()) {
      throw new InvalidAnswerException(at(i, "", -1) + " lacks the required field Service.Port");
    }
    if (!port.isIntegralNumber() || !port.canConvertToInt() || port.asInt() < 0 || port.asInt() > 65535) {
      throw new InvalidAnswerException(at(i, "", -1) + " Service.Port must be an integer within 0..65535, was " + port);
    }
    e.port = port.asInt();
    e.tags = Set.of();
    JsonNode tags = service.get("Tags");
    if (tags != null && !tags.isNull()) {
      if (!tags.isArray()) {
        throw new InvalidAnswerException(at(i, "", -1) + " Service.Tags must be an array of strings, was " + tags.getNodeType());
      }
      e.tags = tagSet(tags, i);
    }
    e.meta = stringMap(service, "Meta", i, " Service", false);
    e.serviceTagged = Map.of();
    JsonNode tagged = service.get("TaggedAddresses");
    if (tagged != null && !tagged.isNull()) {
      e.serviceTagged = new LinkedHashMap<>();
      if (!tagged.isObject()) {
        throw new InvalidAnswerException(at(i, "", -1) + " Service.TaggedAddresses must be an object");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = tagged.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> t = it.next();
        if (!t.getValue().isObject()) {
          throw new InvalidAnswerException(at(i, "", -1) + " Service.TaggedAddresses." + t.getKey()
              + " must be an object with Address and Port");
        }
        JsonNode a = fieldNode(t.getValue(), "address");
        if (a != null && !a.isNull() && !a.isTextual()) {
          throw new InvalidAnswerException(at(i, "", -1) + " Service.TaggedAddresses." + t.getKey() + ".Address must be a string");
        }
        e.serviceTagged.put(t.getKey().toLowerCase(Locale.ROOT), t.getValue());
      }
    }
    JsonNode weights = service.get("Weights");
    if (weights != null && !weights.isNull()) {
      if (!weights.isObject()) {
        throw new InvalidAnswerException(at(i, "", -1) + " Service.Weights must be an object");
      }
      e.passingWeight = weight(weights, "Passing", i);
      e.warningWeight = weight(weights, "Warning", i);
    }
    e.health = health(n, i);
    return e;
  }

  /**
   * The tags as the immutable set {@link ServiceInstance} keeps, built straight from an array: a mutable set
   * first and then the instance's copy of it cost two hash sets per entry of every answer.
   */
  private static Set<String> tagSet(JsonNode tags, int i) throws InvalidAnswerException {
    int size = tags.size();
    if (size == 0) {
      return Set.of();
    }
    String[] found = new String[size];
    // A linear scan for duplicates is cheapest for the few tags services have; a hash set bounds the cost of
    // a body with thousands.
    Set<String> seen = size > 32 ? new java.util.HashSet<>() : null;
    int n = 0;
    for (int k = 0; k < size; k++) {
      JsonNode t = tags.get(k);
      if (!t.isTextual()) {
        throw new InvalidAnswerException(at(i, "", -1) + " Service.Tags must hold strings only, found " + t.getNodeType());
      }
      String tag = t.asText();
      if (seen != null ? seen.add(tag) : !contains(found, n, tag)) { // Consul keeps duplicate tags; a set does not
        found[n++] = tag;
      }
    }
    return Set.of(n == size ? found : java.util.Arrays.copyOf(found, n));
  }

  private static boolean contains(String[] values, int n, String value) {
    for (int k = 0; k < n; k++) {
      if (values[k].equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static Health health(JsonNode entry, int i) throws InvalidAnswerException {
    JsonNode checks = entry.get("Checks");
    if (checks == null || checks.isNull()) {
      throw new InvalidAnswerException(at(i, "", -1) + " lacks the required field Checks");
    }
    if (!checks.isArray()) {
      throw new InvalidAnswerException(at(i, "", -1) + " Checks must be an array, was " + checks.getNodeType());
    }
    Health worst = Health.PASSING;
    for (int c = 0; c < checks.size(); c++) {
      JsonNode check = checks.get(c);
      if (!check.isObject()) {
        throw new InvalidAnswerException(at(i, "", c) + " must be an object");
      }
      String status = text(check, "Status", i, "", c, true);
      String id = text(check, "CheckID", i, "", c, false);
      Health h;
      if (id != null && (id.equals("_node_maintenance") || id.startsWith("_service_maintenance:"))) {
        h = Health.CRITICAL;
      } else if (status.equals("passing")) {
        h = Health.PASSING;
      } else if (status.equals("warning")) {
        h = Health.WARNING;
      } else {
        h = Health.CRITICAL; // critical, or a status this client does not know: never send traffic there
      }
      if (h == Health.CRITICAL) {
        return Health.CRITICAL;
      }
      if (h == Health.WARNING) {
        worst = Health.WARNING;
      }
    }
    return worst;
  }

  private static int weight(JsonNode weights, String field, int i) throws InvalidAnswerException {
    JsonNode v = weights.get(field);
    if (v == null || v.isNull()) {
      return 1;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
      throw new InvalidAnswerException(at(i, "", -1) + " Service.Weights." + field + " must be a non-negative integer, was " + v);
    }
    return v.asInt();
  }

  private static JsonNode object(JsonNode parent, String field, int i, String part, boolean required)
      throws InvalidAnswerException {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new InvalidAnswerException(at(i, part, -1) + " lacks the required field " + field);
      }
      return null;
    }
    if (!v.isObject()) {
      throw new InvalidAnswerException(at(i, part, -1) + " " + field + " must be an object, was " + v.getNodeType());
    }
    return v;
  }

  private static String text(JsonNode parent, String field, int i, String part, int check, boolean required)
      throws InvalidAnswerException {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new InvalidAnswerException(at(i, part, check) + " lacks the required field " + field);
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidAnswerException(at(i, part, check) + " " + field + " must be a string, was " + v.getNodeType());
    }
    return v.asText();
  }

  /** A map of string values; node tagged addresses are plain strings, lower-cased keys. */
  /** A {@link Shape#SHARED_STRINGS} value: the shared map, or a tree that {@link #stringMap} rejects. */
  private static Map<String, String> sharedStrings(JsonNode parent, String field, int i, String part)
      throws InvalidAnswerException {
    JsonNode v = parent.get(field);
    if (v instanceof SharedStrings) {
      return ((SharedStrings) v).map;
    }
    return stringMap(parent, field, i, part, false); // null, absent, or not an object of strings: its errors
  }

  /** A read object of strings, carried in the tree as a leaf. */
  private static final class SharedStrings extends com.fasterxml.jackson.databind.node.POJONode {
    private static final long serialVersionUID = 1L;
    final transient Map<String, String> map;

    SharedStrings(Map<String, String> map) {
      super(map);
      this.map = map;
    }
  }

  /**
   * The objects of strings read lately in one parse, newest first: a new one equal to one of them is that one.
   * Values are compared in the parser's own buffer, so a repeat allocates nothing.
   */
  private static final class Recent {
    private static final int KEEP = 8;
    private final SharedStrings[] recent = new SharedStrings[KEEP];
    private int size;
    private String[] names = new String[8];

    JsonNode read(JsonParser p) throws IOException {
      int viable = (1 << size) - 1; // bit k: recent[k] has every pair read so far
      int pairs = 0;
      Map<String, String> built = null; // from the first pair no recent object has
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          return notStrings(p, name);
        }
        if (built == null) {
          int still = viable;
          for (int k = 0; k < size; k++) {
            if ((still & (1 << k)) != 0 && !sameText(recent[k].map.get(name), p)) {
              still &= ~(1 << k);
            }
          }
          if (still == 0) {
            built = new java.util.LinkedHashMap<>();
            copyPairs(viable, pairs, built); // the pairs before this one, as any object that had them has them
            built.put(name, p.getText());
          } else {
            if (pairs == names.length) {
              names = java.util.Arrays.copyOf(names, pairs * 2);
            }
            names[pairs] = name; // field names are canonical strings: no copy
          }
          viable = still;
        } else {
          built.put(name, p.getText());
        }
        pairs++;
      }
      if (built == null) {
        for (int k = 0; k < size; k++) {
          if ((viable & (1 << k)) != 0 && recent[k].map.size() == pairs) {
            return recent[k];
          }
        }
        built = new java.util.LinkedHashMap<>(); // fewer pairs than the objects it matched
        copyPairs(viable, pairs, built);
      }
      return remember(Map.copyOf(built));
    }

    private void copyPairs(int viable, int pairs, Map<String, String> into) {
      if (pairs > 0) {
        Map<String, String> earlier = recent[Integer.numberOfTrailingZeros(viable)].map;
        for (int j = 0; j < pairs; j++) {
          into.put(names[j], earlier.get(names[j]));
        }
      }
    }

    private SharedStrings remember(Map<String, String> map) {
      SharedStrings node = new SharedStrings(map);
      System.arraycopy(recent, 0, recent, 1, Math.min(size, KEEP - 1));
      recent[0] = node;
      size = Math.min(size + 1, KEEP);
      return node;
    }

    /** The offending field as a tree, the rest skipped: {@link #stringMap} then names the field and its type. */
    private static JsonNode notStrings(JsonParser p, String name) throws IOException {
      ObjectNode object = NODES.objectNode();
      object.set(name, MAPPER.readTree(p));
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        p.nextToken();
        p.skipChildren();
      }
      return object;
    }

    private static boolean sameText(String expected, JsonParser p) throws IOException {
      if (expected == null) {
        return false;
      }
      int length = p.getTextLength();
      if (expected.length() != length) {
        return false;
      }
      char[] chars = p.getTextCharacters();
      int offset = p.getTextOffset();
      for (int c = 0; c < length; c++) {
        if (chars[offset + c] != expected.charAt(c)) {
          return false;
        }
      }
      return true;
    }
  }

  private static Map<String, String> stringMap(JsonNode parent, String field, int i, String part, boolean lowerKeys)
      throws InvalidAnswerException {
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      return Map.of();
    }
    if (!v.isObject()) {
      throw new InvalidAnswerException(at(i, part, -1) + " " + field + " must be an object of strings, was " + v.getNodeType());
    }
    if (v.size() == 0) {
      return Map.of(); // most services have no meta: no map to build and none for the instance to copy
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new InvalidAnswerException(at(i, part, -1) + " " + field + "." + e.getKey() + " must be a string, was "
            + e.getValue().getNodeType());
      }
      out.put(lowerKeys ? e.getKey().toLowerCase(Locale.ROOT) : e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /**
   * Where in the body a problem is, for error messages only: built when an answer is rejected, never for an
   * answer that passes, which saved a dozen strings per entry of every large answer.
   */
  private static String at(int entry, String part, int check) {
    return "entry " + entry + part + (check >= 0 ? " Checks[" + check + "]" : "");
  }

  /** A field looked up ignoring case (Consul's samples spell tagged-address keys both ways). */
  private static JsonNode fieldNode(JsonNode object, String name) {
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String field(JsonNode object, String name) {
    JsonNode v = fieldNode(object, name);
    return v == null || !v.isTextual() ? null : v.asText();
  }
}
