package dev.discovery.consul.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One static prepared query, the subset of {@code POST /v1/query}'s body the testkit models (api-docs/query.mdx
 * "Create Prepared Query"): {@code Name}, {@code Service.Service}, {@code Service.Tags} (all required, none of the
 * {@code !}-prefixed), {@code Service.OnlyPassing}, {@code Service.NodeMeta}, {@code Service.ServiceMeta},
 * {@code Service.Failover.NearestN} and {@code Service.Failover.Datacenters}, and {@code DNS.TTL}. Templates,
 * sessions, {@code Near} and {@code IgnoreCheckIDs} are not modelled.
 */
record PreparedQuery(
    String id, String name, String service, List<String> tags, boolean onlyPassing, Map<String, String> nodeMeta,
    Map<String, String> serviceMeta, int nearestN, List<String> failoverDatacenters, String dnsTtl,
    long createIndex, long modifyIndex) {

  /**
   * Reads a create body, with the checks of Consul's {@code parseQuery} ({@code agent/consul/prepared_query_endpoint.go});
   * their errors reach the client as HTTP 500 with {@code Invalid prepared query: ...}, as every RPC error does.
   */
  static PreparedQuery parse(JsonNode body, String id, long index) {
    if (body == null || !body.isObject()) {
      throw new ApiException(400, "Request decode failed: json: cannot unmarshal into a prepared query");
    }
    if (Payloads.field(body, "ID") != null && !Payloads.text(body, "ID").isEmpty()) {
      throw new ApiException(500, "ID must be empty when creating a new prepared query");
    }
    String name = Payloads.text(body, "Name");
    JsonNode service = Payloads.field(body, "Service");
    if (name.isEmpty() && Payloads.text(body, "Session").isEmpty() && Payloads.field(body, "Template") == null) {
      throw new ApiException(500, "Invalid prepared query: Must be bound to a session");
    }
    if (service == null || !service.isObject() || Payloads.text(service, "Service").isEmpty()) {
      throw new ApiException(500, "Invalid prepared query: Must provide a Service name to query");
    }
    JsonNode failover = Payloads.field(service, "Failover");
    int nearestN = failover == null ? 0 : Payloads.integer(failover, "NearestN");
    if (nearestN < 0) {
      throw new ApiException(500, "Invalid prepared query: Bad NearestN '" + nearestN + "', must be >= 0");
    }
    List<String> dcs = failover == null ? List.of() : Payloads.stringList(failover, "Datacenters");
    JsonNode dns = Payloads.field(body, "DNS");
    String ttl = dns == null ? "" : Payloads.text(dns, "TTL");
    if (!ttl.isEmpty()) {
      try {
        if (GoDuration.parse(ttl).isNegative()) {
          throw new ApiException(500, "Invalid prepared query: DNS TTL '" + ttl + "', must be >=0");
        }
      } catch (IllegalArgumentException e) {
        throw new ApiException(500, "Invalid prepared query: Bad DNS TTL '" + ttl + "': " + e.getMessage());
      }
    }
    return new PreparedQuery(id, name, Payloads.text(service, "Service"), Payloads.stringList(service, "Tags"),
        Payloads.bool(service, "OnlyPassing"), orEmpty(Payloads.stringMap(service, "NodeMeta")),
        orEmpty(Payloads.stringMap(service, "ServiceMeta")), nearestN, dcs, ttl, index, index);
  }

  private static Map<String, String> orEmpty(Map<String, String> m) {
    return m == null ? Map.of() : Map.copyOf(m);
  }

  /**
   * Whether one instance passes the query's selection, as {@code PreparedQuery.execute} filters: health by
   * {@code FilterIgnore(OnlyPassing)} (critical never, warning only without OnlyPassing), then node meta, service
   * meta, and tags (case-insensitive; all required, none of the {@code !}-prefixed).
   */
  boolean selects(HealthEntry e) {
    if (e.excludedFromDns(onlyPassing)) {
      return false;
    }
    for (Map.Entry<String, String> m : nodeMeta.entrySet()) {
      if (e.node().meta() == null || !m.getValue().equals(e.node().meta().get(m.getKey()))) {
        return false;
      }
    }
    for (Map.Entry<String, String> m : serviceMeta.entrySet()) {
      if (!m.getValue().equals(e.service().meta().get(m.getKey()))) {
        return false;
      }
    }
    for (String tag : tags) {
      String t = tag.toLowerCase(Locale.ROOT);
      boolean not = t.startsWith("!");
      if (e.service().hasTagIgnoreCase(not ? t.substring(1) : t) == not) {
        return false;
      }
    }
    return true;
  }

  /** The stored definition as {@code GET /v1/query/:id} shows it. */
  ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("ID", id);
    o.put("Name", name);
    o.put("Session", "");
    o.put("Token", "");
    ObjectNode s = o.putObject("Service");
    s.put("Service", service);
    ObjectNode failover = s.putObject("Failover");
    failover.put("NearestN", nearestN);
    if (failoverDatacenters.isEmpty()) {
      failover.putNull("Datacenters");
    } else {
      failoverDatacenters.forEach(failover.putArray("Datacenters")::add);
    }
    s.put("OnlyPassing", onlyPassing);
    if (tags.isEmpty()) {
      s.putNull("Tags");
    } else {
      tags.forEach(s.putArray("Tags")::add);
    }
    ObjectNode nm = s.putObject("NodeMeta");
    nodeMeta.forEach(nm::put);
    ObjectNode sm = s.putObject("ServiceMeta");
    serviceMeta.forEach(sm::put);
    o.set("DNS", dnsJson());
    ObjectNode raft = o.putObject("RaftIndex");
    raft.put("CreateIndex", createIndex);
    raft.put("ModifyIndex", modifyIndex);
    return o;
  }

  ObjectNode dnsJson() {
    ObjectNode dns = JsonNodeFactory.instance.objectNode();
    dns.put("TTL", dnsTtl);
    return dns;
  }
}
