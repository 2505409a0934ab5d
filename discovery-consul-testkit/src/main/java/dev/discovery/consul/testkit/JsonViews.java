package dev.discovery.consul.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Renders catalog entries in Consul's exact JSON shapes (field names, order, nulls and empty collections). */
final class JsonViews {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  // Go's json.MarshalIndent(v, "", "    ") as used for ?pretty: 4 spaces, "key": value, [] and {} when empty.
  private static final DefaultPrettyPrinter PRETTY;

  static {
    DefaultIndenter indenter = new DefaultIndenter("    ", "\n");
    Separators separators = Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
        .withObjectEmptySeparator("")
        .withArrayEmptySeparator("");
    PRETTY = new DefaultPrettyPrinter(separators).withObjectIndenter(indenter).withArrayIndenter(indenter);
  }

  private JsonViews() {}

  static byte[] render(JsonNode node, boolean pretty) {
    try {
      if (pretty) {
        return (Payloads.MAPPER.writer(PRETTY).writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
      }
      return Payloads.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  static ArrayNode health(List<HealthEntry> entries) {
    ArrayNode out = F.arrayNode();
    for (HealthEntry e : entries) {
      ObjectNode row = out.addObject();
      row.set("Node", node(e.node()));
      row.set("Service", service(e.service()));
      ArrayNode checks = row.putArray("Checks");
      for (CheckEntry c : e.checks()) {
        checks.add(check(c));
      }
    }
    return out;
  }

  static ObjectNode node(NodeEntry n) {
    ObjectNode o = F.objectNode();
    o.put("ID", n.id());
    o.put("Node", n.name());
    o.put("Address", n.address());
    o.put("Datacenter", n.datacenter());
    o.set("TaggedAddresses", stringMap(n.taggedAddresses()));
    o.set("Meta", stringMap(n.meta()));
    o.put("CreateIndex", n.createIndex());
    o.put("ModifyIndex", n.modifyIndex());
    return o;
  }

  static ObjectNode service(ServiceEntry s) {
    ObjectNode o = F.objectNode();
    if (!s.kind().isEmpty()) {
      o.put("Kind", s.kind());
    }
    o.put("ID", s.id());
    o.put("Service", s.name());
    o.set("Tags", strings(s.tags()));
    o.put("Address", s.address());
    if (!s.taggedAddresses().isEmpty()) {
      o.set("TaggedAddresses", taggedAddresses(s.taggedAddresses()));
    }
    o.set("Meta", stringMap(s.meta()));
    o.put("Port", s.port());
    o.set("Weights", weights(s));
    o.put("EnableTagOverride", s.enableTagOverride());
    ObjectNode proxy = o.putObject("Proxy");
    proxy.putObject("MeshGateway");
    proxy.putObject("Expose");
    o.putObject("Connect");
    o.put("CreateIndex", s.createIndex());
    o.put("ModifyIndex", s.modifyIndex());
    return o;
  }

  static ObjectNode check(CheckEntry c) {
    ObjectNode o = F.objectNode();
    o.put("Node", c.node());
    o.put("CheckID", c.checkId());
    o.put("Name", c.name());
    o.put("Status", c.status());
    o.put("Notes", c.notes());
    o.put("Output", c.output());
    o.put("ServiceID", c.serviceId());
    o.put("ServiceName", c.serviceName());
    o.set("ServiceTags", strings(c.serviceTags()));
    o.put("Type", c.type());
    CheckDefinition d = c.definition() == null ? CheckDefinition.EMPTY : c.definition();
    o.put("Interval", durationOrEmpty(d.interval()));
    o.put("Timeout", durationOrEmpty(d.timeout()));
    o.put("ExposedPort", 0);
    o.set("Definition", definition(d));
    o.put("CreateIndex", c.createIndex());
    o.put("ModifyIndex", c.modifyIndex());
    return o;
  }

  /** Consul's HealthCheckDefinition: every field omitted when it has Go's zero value; durations as Go strings. */
  static ObjectNode definition(CheckDefinition d) {
    ObjectNode o = F.objectNode();
    putIfSet(o, "HTTP", d.http());
    putIfSet(o, "TLSServerName", d.tlsServerName());
    if (d.tlsSkipVerify()) {
      o.put("TLSSkipVerify", true);
    }
    if (!d.header().isEmpty()) {
      ObjectNode h = o.putObject("Header");
      d.header().forEach((k, v) -> h.set(k, strings(v)));
    }
    putIfSet(o, "Method", d.method());
    putIfSet(o, "Body", d.body());
    putIfSet(o, "TCP", d.tcp());
    putIfSet(o, "UDP", d.udp());
    putIfSet(o, "H2PING", d.h2ping());
    putIfSet(o, "Interval", durationOrEmpty(d.interval()));
    putIfSet(o, "Timeout", durationOrEmpty(d.timeout()));
    putIfSet(o, "DeregisterCriticalServiceAfter", durationOrEmpty(d.deregisterCriticalServiceAfter()));
    if (!d.scriptArgs().isEmpty()) {
      o.set("ScriptArgs", strings(d.scriptArgs()));
    }
    putIfSet(o, "DockerContainerID", d.dockerContainerId());
    putIfSet(o, "Shell", d.shell());
    putIfSet(o, "GRPC", d.grpc());
    if (d.grpcUseTls()) {
      o.put("GRPCUseTLS", true);
    }
    putIfSet(o, "AliasNode", d.aliasNode());
    putIfSet(o, "AliasService", d.aliasService());
    putIfSet(o, "TTL", durationOrEmpty(d.ttl()));
    return o;
  }

  /** One element of {@code /v1/catalog/service/:service} (a flat ServiceNode). */
  static ObjectNode catalogService(NodeEntry n, ServiceEntry s) {
    ObjectNode o = F.objectNode();
    o.put("ID", n.id());
    o.put("Node", n.name());
    o.put("Address", n.address());
    o.put("Datacenter", n.datacenter());
    o.set("TaggedAddresses", stringMap(n.taggedAddresses()));
    o.set("NodeMeta", stringMap(n.meta()));
    o.put("ServiceKind", s.kind());
    o.put("ServiceID", s.id());
    o.put("ServiceName", s.name());
    o.set("ServiceTags", strings(s.tags()));
    o.put("ServiceAddress", s.address());
    if (!s.taggedAddresses().isEmpty()) {
      o.set("ServiceTaggedAddresses", taggedAddresses(s.taggedAddresses()));
    }
    o.set("ServiceWeights", weights(s));
    o.set("ServiceMeta", stringMap(s.meta()));
    o.put("ServicePort", s.port());
    o.put("ServiceEnableTagOverride", s.enableTagOverride());
    ObjectNode proxy = o.putObject("ServiceProxy");
    proxy.put("DestinationServiceName", "");
    proxy.put("DestinationServiceID", "");
    proxy.put("LocalServiceAddress", "");
    proxy.put("LocalServicePort", 0);
    proxy.putNull("Config");
    proxy.putNull("Upstreams");
    ObjectNode connect = o.putObject("ServiceConnect");
    connect.put("Native", false);
    connect.putNull("Proxy");
    o.put("CreateIndex", s.createIndex());
    o.put("ModifyIndex", s.modifyIndex());
    return o;
  }

  static ObjectNode catalogServices(Map<String, Set<String>> tagsByService) {
    ObjectNode o = F.objectNode();
    tagsByService.forEach((name, tags) -> o.set(name, strings(tags)));
    return o;
  }

  /** One value of {@code /v1/agent/services} (an AgentService; the agent sends {} rather than null Meta). */
  static ObjectNode agentService(ServiceEntry s, String datacenter) {
    ObjectNode o = F.objectNode();
    if (!s.kind().isEmpty()) {
      o.put("Kind", s.kind());
    }
    o.put("ID", s.id());
    o.put("Service", s.name());
    o.set("Tags", strings(s.tags()));
    if (!s.taggedAddresses().isEmpty()) {
      o.set("TaggedAddresses", taggedAddresses(s.taggedAddresses()));
    }
    o.set("Meta", stringMap(s.meta() == null ? Map.of() : s.meta()));
    o.put("Port", s.port());
    o.put("Address", s.address());
    o.put("EnableTagOverride", s.enableTagOverride());
    o.put("Datacenter", datacenter);
    o.set("Weights", weights(s));
    return o;
  }

  private static ObjectNode weights(ServiceEntry s) {
    ObjectNode w = F.objectNode();
    w.put("Passing", s.weightPassing());
    w.put("Warning", s.weightWarning());
    return w;
  }

  private static ObjectNode taggedAddresses(Map<String, ServiceEntry.TaggedAddress> tagged) {
    ObjectNode o = F.objectNode();
    tagged.forEach((k, v) -> {
      ObjectNode a = o.putObject(k);
      a.put("Address", v.address());
      a.put("Port", v.port());
    });
    return o;
  }

  private static JsonNode stringMap(Map<String, String> map) {
    if (map == null) {
      return F.nullNode();
    }
    ObjectNode o = F.objectNode();
    map.forEach(o::put);
    return o;
  }

  private static ArrayNode strings(Collection<String> values) {
    ArrayNode a = F.arrayNode();
    values.forEach(a::add);
    return a;
  }

  private static void putIfSet(ObjectNode o, String field, String value) {
    if (value != null && !value.isEmpty()) {
      o.put(field, value);
    }
  }

  private static String durationOrEmpty(Duration d) {
    return d.isZero() ? "" : GoDuration.format(d);
  }
}
