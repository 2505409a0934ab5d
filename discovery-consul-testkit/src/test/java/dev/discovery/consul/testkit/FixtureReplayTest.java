package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Replays every sample in {@code shared/fixtures/consul/}: registers what the sample shows, reads it back through
 * the same endpoint and compares field by field. Only "Namespace" (Consul Enterprise) is skipped, and Raft indexes
 * are checked for being positive rather than equal to the doc's numbers.
 */
class FixtureReplayTest {
  private static final Set<String> ENTERPRISE_ONLY = Set.of("Namespace");
  private static final Set<String> INDEXES = Set.of("CreateIndex", "ModifyIndex");

  static Path fixtures() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/fixtures/consul");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("cannot find shared/fixtures/consul in " + dir + " or any parent; the Consul "
        + "fixtures must be checked out next to the repository (../shared/fixtures)");
  }

  static String fixture(String name) {
    try {
      return Files.readString(fixtures().resolve(name));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read fixture " + name, e);
    }
  }

  static JsonNode json(String name) {
    try {
      return Http.JSON.readTree(fixture(name));
    } catch (IOException e) {
      throw new IllegalStateException("fixture " + name + " is not JSON", e);
    }
  }

  @Test
  void everyFixtureIsReplayed() throws IOException {
    Set<String> files;
    try (var s = Files.list(fixtures())) {
      files = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    // If a fixture is added, a replay must be added here too.
    assertThat(files).containsExactlyInAnyOrder("SOURCES.md", "agent-service-register-payload.json",
        "agent-services.json", "catalog-service-web.json", "catalog-services.json", "dns-examples.txt",
        "health-service-redis.json");
  }

  @Test
  void agentServiceRegisterPayload() {
    JsonNode payload = json("agent-service-register-payload.json");
    try (ConsulTestAgent strict = ConsulTestAgent.builder().start()) {
      // A default agent refuses the sample's script check, as Consul without enable_script_checks does.
      Http.Response refused = Http.put(strict, "/v1/agent/service/register", payload.toString());
      assertThat(refused.status()).isEqualTo(500);
      assertThat(refused.body()).contains("Scripts are disabled on this agent");
    }
    try (ConsulTestAgent agent = ConsulTestAgent.builder().enableScriptChecks(true).start()) {
      assertThat(Http.put(agent, "/v1/agent/service/register", payload.toString()).status()).isEqualTo(200);
      JsonNode service = Http.get(agent, "/v1/agent/services").json().get("redis1");
      assertThat(service).as("service registered under its ID").isNotNull();
      assertThat(service.get("ID")).isEqualTo(payload.get("ID"));
      assertThat(service.get("Service")).isEqualTo(payload.get("Name"));
      assertThat(service.get("Tags")).isEqualTo(payload.get("Tags"));
      assertThat(service.get("Address")).isEqualTo(payload.get("Address"));
      assertThat(service.get("Port")).isEqualTo(payload.get("Port"));
      assertThat(service.get("Meta")).isEqualTo(payload.get("Meta"));
      assertThat(service.get("EnableTagOverride")).isEqualTo(payload.get("EnableTagOverride"));
      assertThat(service.get("Weights")).isEqualTo(payload.get("Weights"));
      // An IP Address gets lan_ipv4/wan_ipv4 tagged addresses, as agent.go addServiceInternal adds them.
      assertThat(service.at("/TaggedAddresses/lan_ipv4/Address").asText()).isEqualTo("127.0.0.1");
      assertThat(service.at("/TaggedAddresses/wan_ipv4/Port").asInt()).isEqualTo(8000);

      JsonNode check = Http.get(agent, "/v1/agent/checks").json().get("service:redis1");
      assertThat(check.get("Name").asText()).isEqualTo("Service 'redis' check");
      assertThat(check.get("Status").asText()).isEqualTo("critical");
      assertThat(check.get("ServiceID").asText()).isEqualTo("redis1");
      assertThat(check.get("ServiceTags")).isEqualTo(payload.get("Tags"));
      assertThat(check.get("Type").asText()).isEqualTo("script");
      JsonNode def = check.get("Definition");
      assertThat(def.get("ScriptArgs")).isEqualTo(payload.at("/Check/Args"));
      assertThat(def.get("Interval").asText()).isEqualTo("10s");
      assertThat(def.get("Timeout").asText()).isEqualTo("5s");
      assertThat(def.get("DeregisterCriticalServiceAfter").asText()).isEqualTo("1h30m0s"); // Go's 90m
    }
  }

  @Test
  void agentServices() {
    JsonNode expected = json("agent-services.json");
    JsonNode redis = expected.get("redis");
    try (ConsulTestAgent agent = ConsulTestAgent.builder().datacenter(redis.get("Datacenter").asText()).start()) {
      ObjectNode payload = Http.JSON.createObjectNode();
      payload.put("Name", redis.get("Service").asText());
      payload.set("Tags", redis.get("Tags"));
      payload.set("TaggedAddresses", redis.get("TaggedAddresses"));
      payload.set("Meta", redis.get("Meta"));
      payload.set("Port", redis.get("Port"));
      payload.set("Address", redis.get("Address"));
      payload.set("EnableTagOverride", redis.get("EnableTagOverride"));
      payload.set("Weights", redis.get("Weights"));
      assertThat(Http.put(agent, "/v1/agent/service/register", payload.toString()).status()).isEqualTo(200);
      assertMatches(Http.get(agent, "/v1/agent/services").json(), expected, "");
    }
  }

  @Test
  void healthServiceRedis() {
    JsonNode expected = json("health-service-redis.json");
    JsonNode entry = expected.get(0);
    JsonNode node = entry.get("Node");
    JsonNode service = entry.get("Service");
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      ObjectNode reg = Http.JSON.createObjectNode();
      reg.set("ID", node.get("ID"));
      reg.set("Node", node.get("Node"));
      reg.set("Address", node.get("Address"));
      reg.set("Datacenter", node.get("Datacenter"));
      reg.set("TaggedAddresses", node.get("TaggedAddresses"));
      reg.set("NodeMeta", node.get("Meta"));
      ObjectNode svc = reg.putObject("Service");
      for (String f : List.of("ID", "Service", "Tags", "Address", "TaggedAddresses", "Meta", "Port", "Weights")) {
        svc.set(f, service.get(f));
      }
      ArrayNode checks = reg.putArray("Checks");
      for (JsonNode c : entry.get("Checks")) {
        ObjectNode check = checks.addObject();
        for (String f : List.of("Node", "CheckID", "Name", "Status", "Notes", "Output", "ServiceID")) {
          check.set(f, c.get(f));
        }
      }
      Http.Response put = Http.put(agent, "/v1/catalog/register", reg.toString());
      assertThat(put.status()).as(put.body()).isEqualTo(200);
      Http.Response r = Http.get(agent, "/v1/health/service/redis");
      JsonNode actual = r.json();
      assertThat(actual.size()).isEqualTo(1);
      assertMatches(actual.get(0).get("Node"), node, "[0].Node");
      assertMatches(actual.get(0).get("Service"), service, "[0].Service");
      // Check order is memdb's (by CheckID); the doc sample lists them the other way round.
      Map<String, JsonNode> byId = new java.util.HashMap<>();
      actual.get(0).get("Checks").forEach(c -> byId.put(c.get("CheckID").asText(), c));
      assertThat(byId).hasSize(entry.get("Checks").size());
      for (JsonNode c : entry.get("Checks")) {
        assertMatches(byId.get(c.get("CheckID").asText()), c, "[0].Checks." + c.get("CheckID").asText());
      }
      assertThat(Http.get(agent, "/v1/health/service/redis?passing").json().size()).isEqualTo(1);
    }
  }

  @Test
  void catalogServiceWeb() {
    JsonNode expected = json("catalog-service-web.json");
    JsonNode e = expected.get(0);
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      ObjectNode reg = Http.JSON.createObjectNode();
      reg.set("ID", e.get("ID"));
      reg.set("Node", e.get("Node"));
      reg.set("Address", e.get("Address"));
      reg.set("Datacenter", e.get("Datacenter"));
      reg.set("TaggedAddresses", e.get("TaggedAddresses"));
      reg.set("NodeMeta", e.get("NodeMeta"));
      ObjectNode svc = reg.putObject("Service");
      svc.set("ID", e.get("ServiceID"));
      svc.set("Service", e.get("ServiceName"));
      svc.set("Tags", e.get("ServiceTags"));
      svc.set("Address", e.get("ServiceAddress"));
      svc.set("TaggedAddresses", e.get("ServiceTaggedAddresses"));
      svc.set("Meta", e.get("ServiceMeta"));
      svc.set("Port", e.get("ServicePort"));
      svc.set("EnableTagOverride", e.get("ServiceEnableTagOverride"));
      assertThat(Http.put(agent, "/v1/catalog/register", reg.toString()).status()).isEqualTo(200);
      Http.Response r = Http.get(agent, "/v1/catalog/service/web");
      assertThat(r.header("X-Consul-Effective-Consistency")).isEqualTo("leader");
      assertMatches(r.json(), expected, "");
    }
  }

  @Test
  void catalogServices() {
    JsonNode expected = json("catalog-services.json");
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      agent.registerService("{\"Name\":\"redis\"}");
      agent.registerService("{\"Name\":\"postgresql\",\"ID\":\"pg1\",\"Tags\":[\"primary\"]}");
      agent.registerNodeService("db2", "10.0.0.2", "{\"Name\":\"postgresql\",\"ID\":\"pg2\","
          + "\"Tags\":[\"secondary\"]}");
      JsonNode actual = Http.get(agent, "/v1/catalog/services").json();
      // Exactly the sample, including the "consul" service every cluster has.
      assertThat(actual).isEqualTo(expected);
    }
  }

  @Test
  void dnsExamples() throws Exception {
    String transcript = fixture("dns-examples.txt");
    // Standard SRV lookup: consul.service.consul -> 1 1 8300 foobar.node.dc1.consul. + A 10.1.10.12
    assertThat(transcript).contains("consul.service.consul.  0 IN  SRV 1 1 8300 foobar.node.dc1.consul.");
    try (ConsulTestAgent agent = ConsulTestAgent.builder().nodeName("foobar").nodeAddress("10.1.10.12").start()) {
      Message m = Dig.udp(agent.dnsAddress(), "consul.service.consul.", Type.SRV, null).message();
      assertThat(m.getSection(Section.ANSWER)).singleElement().hasToString(
          "consul.service.consul.\t0\tIN\tSRV\t1 1 8300 foobar.node.dc1.consul.");
      assertThat(m.getSection(Section.ADDITIONAL).get(0)).hasToString("foobar.node.dc1.consul.\t0\tIN\tA\t10.1.10.12");

      // Node lookup (ANY): A plus node meta as TXT, "rfc1035-" keys giving the bare value.
      assertThat(transcript).contains("foo.node.consul.  0 IN  TXT \"meta_key=meta_value\"")
          .contains("foo.node.consul.  0 IN  TXT \"value only\"");
      Http.put(agent, "/v1/catalog/register", "{\"Node\":\"foo\",\"Address\":\"10.1.10.12\",\"NodeMeta\":"
          + "{\"meta_key\":\"meta_value\",\"rfc1035-1\":\"value only\"}}");
      Message node = Dig.udp(agent.dnsAddress(), "foo.node.consul.", Type.ANY, null).message();
      List<String> answers = new ArrayList<>();
      node.getSection(Section.ANSWER).forEach(r -> answers.add(r.toString()));
      assertThat(answers).containsExactlyInAnyOrder("foo.node.consul.\t0\tIN\tA\t10.1.10.12",
          "foo.node.consul.\t0\tIN\tTXT\t\"meta_key=meta_value\"", "foo.node.consul.\t0\tIN\tTXT\t\"value only\"");

      // RFC 2782 lookup with a tag in the protocol position.
      agent.registerNodeService("rabbitmq", "10.1.11.20", "{\"Name\":\"rabbitmq\",\"Tags\":[\"amqp\"],"
          + "\"Port\":5672}");
      Message tagged = Dig.udp(agent.dnsAddress(), "_rabbitmq._amqp.service.consul.", Type.SRV, null).message();
      SRVRecord srv = (SRVRecord) tagged.getSection(Section.ANSWER).get(0);
      assertThat(srv.getPriority() + " " + srv.getWeight() + " " + srv.getPort()).isEqualTo("1 1 5672");
      // The doc's target "rabbitmq.node1.dc1.consul." is hand-edited; Consul's format is <node>.node.<dc>.<domain>.
      assertThat(srv.getTarget().toString()).isEqualTo("rabbitmq.node.dc1.consul.");
      assertThat(((ARecord) tagged.getSection(Section.ADDITIONAL).get(0)).getAddress().getHostAddress())
          .isEqualTo("10.1.11.20");
      agent.deregisterService("rabbitmq", "rabbitmq");

      // Explicit IPv4 and IPv6 Service.Address -> .addr targets (the +short lines of the transcript).
      assertThat(transcript).contains("1 1 5672 c000020a.addr.dc1.consul.")
          .contains("1 1 5672 20010db800010002cafe000000001337.addr.dc1.consul.");
      agent.registerService("{\"Name\":\"rabbitmq\",\"Address\":\"192.0.2.10\",\"Port\":5672}");
      assertThat(shortSrv(agent)).containsExactly("1 1 5672 c000020a.addr.dc1.consul.");
      agent.registerService("{\"Name\":\"rabbitmq\",\"Address\":\"2001:db8:1:2:cafe::1337\",\"Port\":5672}");
      assertThat(shortSrv(agent)).containsExactly("1 1 5672 20010db800010002cafe000000001337.addr.dc1.consul.");
      Message v6 = Dig.udp(agent.dnsAddress(), "_rabbitmq._tcp.service.consul.", Type.SRV, null).message();
      assertThat(v6.getSection(Section.ADDITIONAL).get(0)).isInstanceOf(AAAARecord.class);
    }
    // alt_domain: answers in the domain the query used, node meta TXT in ADDITIONAL.
    assertThat(transcript).contains("consul.service.test-domain. 0 IN  SRV 1 1 8300 machine.node.dc1.test-domain.")
        .contains("machine.node.dc1.test-domain. 0 IN  TXT \"consul-network-segment=\"");
    try (ConsulTestAgent agent = ConsulTestAgent.builder().nodeName("machine").altDomain("test-domain").start()) {
      Message m = Dig.udp(agent.dnsAddress(), "consul.service.test-domain.", Type.SRV, null).message();
      assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(m.getSection(Section.ANSWER)).singleElement().hasToString(
          "consul.service.test-domain.\t0\tIN\tSRV\t1 1 8300 machine.node.dc1.test-domain.");
      List<Record> extra = m.getSection(Section.ADDITIONAL);
      assertThat(extra.get(0)).hasToString("machine.node.dc1.test-domain.\t0\tIN\tA\t127.0.0.1");
      assertThat(extra.get(1)).isInstanceOf(TXTRecord.class)
          .hasToString("machine.node.dc1.test-domain.\t0\tIN\tTXT\t\"consul-network-segment=\"");
    }
    // The peer lookup (.peer) is a cluster-peering feature the testkit does not model; see the README.
  }

  private static List<String> shortSrv(ConsulTestAgent agent) {
    Message m = Dig.udp(agent.dnsAddress(), "_rabbitmq._tcp.service.consul.", Type.SRV, null).message();
    List<String> out = new ArrayList<>();
    for (Record r : m.getSection(Section.ANSWER)) {
      SRVRecord s = (SRVRecord) r;
      out.add(s.getPriority() + " " + s.getWeight() + " " + s.getPort() + " " + s.getTarget());
    }
    return out;
  }

  /**
   * Every field of {@code expected} is in {@code actual} with an equal value (field names compared
   * case-insensitively where Consul's own samples disagree on casing, as for tagged addresses).
   */
  static void assertMatches(JsonNode actual, JsonNode expected, String path) {
    if (actual == null) {
      fail("missing " + path);
    }
    if (expected.isObject()) {
      assertThat(actual.isObject()).as(path + " is an object: " + actual).isTrue();
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (ENTERPRISE_ONLY.contains(f.getKey())) {
          continue;
        }
        JsonNode value = fieldIgnoreCase(actual, f.getKey());
        String p = path + "." + f.getKey();
        if (INDEXES.contains(f.getKey())) {
          assertThat(value).as(p).isNotNull();
          assertThat(value.asLong()).as(p).isPositive();
          continue;
        }
        assertMatches(value, f.getValue(), p);
      }
    } else if (expected.isArray()) {
      assertThat(actual.isArray()).as(path + " is an array: " + actual).isTrue();
      assertThat(actual.size()).as(path + " size").isEqualTo(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertMatches(actual.get(i), expected.get(i), path + "[" + i + "]");
      }
    } else {
      assertThat(actual).as(path).isEqualTo(expected);
    }
  }

  private static JsonNode fieldIgnoreCase(JsonNode obj, String name) {
    JsonNode exact = obj.get(name);
    if (exact != null) {
      return exact;
    }
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String n = it.next();
      if (n.equalsIgnoreCase(name)) {
        return obj.get(n);
      }
    }
    return null;
  }
}
