package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Several datacenters behind one agent (?dc=, DNS) and prepared queries with failover. */
class DatacentersTest {
  @RegisterExtension
  final ConsulTestAgentExtension consul = new ConsulTestAgentExtension();

  private static final String WEB = "{\"Name\":\"web\",\"ID\":\"web\",\"Port\":80,"
      + "\"Check\":{\"TTL\":\"60s\",\"Status\":\"passing\"}}";

  private static List<String> addresses(JsonNode entries) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : entries) {
      out.add(e.path("Node").path("Address").asText());
    }
    return out;
  }

  @Test
  void anotherDatacenterAnswersFromItsOwnCatalogAndAnUnknownOneHasNoPath() {
    ConsulTestAgent agent = consul.agent();
    agent.registerNodeService("a1", "10.0.1.1", WEB);
    TestDatacenter dc2 = agent.addDatacenter("dc2");
    dc2.registerNodeService("b1", "10.0.2.1", WEB);

    assertThat(addresses(Http.get(agent, "/v1/health/service/web?passing").json())).containsExactly("10.0.1.1");
    Http.Response remote = Http.get(agent, "/v1/health/service/web?passing&dc=dc2");
    assertThat(remote.status()).isEqualTo(200);
    assertThat(addresses(remote.json())).containsExactly("10.0.2.1");
    assertThat(remote.json().get(0).path("Node").path("Datacenter").asText()).isEqualTo("dc2");
    assertThat(Http.get(agent, "/v1/catalog/datacenters").json().toString()).isEqualTo("[\"dc1\",\"dc2\"]");
    assertThat(dc2.requestCount("/v1/health/service/web")).isEqualTo(1);
    assertThat(agent.datacenter("dc1").requestCount("/v1/health/service/web")).isEqualTo(1);

    Http.Response unknown = Http.get(agent, "/v1/health/service/web?dc=dc9");
    assertThat(unknown.status()).isEqualTo(500);
    assertThat(unknown.body()).isEqualTo("No path to datacenter");
    assertThatThrownBy(() -> agent.datacenter("dc9")).hasMessageContaining("addDatacenter(\"dc9\")");
  }

  @Test
  void aBlockingQueryOnAnotherDatacenterWakesOnThatDatacentersChange() throws Exception {
    ConsulTestAgent agent = consul.agent();
    TestDatacenter dc2 = agent.addDatacenter("dc2");
    dc2.registerNodeService("b1", "10.0.2.1", WEB);
    Http.Response first = Http.get(agent, "/v1/health/service/web?dc=dc2");
    CompletableFuture<Http.Response> parked =
        Http.getAsync(agent, "/v1/health/service/web?dc=dc2&wait=30s&index=" + first.index());
    dc2.registerNodeService("b2", "10.0.2.2", WEB);
    Http.Response woken = parked.get(20, TimeUnit.SECONDS);
    assertThat(woken.index()).isGreaterThan(first.index());
    assertThat(addresses(woken.json())).containsExactly("10.0.2.1", "10.0.2.2");
    assertThat(dc2.currentIndex()).isEqualTo(woken.index());
  }

  @Test
  void dnsAnswersAnotherDatacentersServiceAndNxdomainForAnUnknownOne() {
    ConsulTestAgent agent = consul.agent();
    TestDatacenter dc2 = agent.addDatacenter("dc2");
    dc2.registerNodeService("b1", "10.0.2.1", WEB);
    Dig.Answer a = Dig.tcp(agent.dnsAddress(), "web.service.dc2.consul.", Type.SRV, null);
    assertThat(a.message().getRcode()).isEqualTo(Rcode.NOERROR);
    SRVRecord srv = (SRVRecord) a.message().getSection(Section.ANSWER).get(0);
    assertThat(srv.getTarget().toString()).isEqualTo("b1.node.dc2.consul.");
    assertThat(Dig.tcp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message().getRcode())
        .isEqualTo(Rcode.NXDOMAIN);
    assertThat(Dig.tcp(agent.dnsAddress(), "web.service.dc9.consul.", Type.SRV, null).message().getRcode())
        .isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void aPreparedQueryFailsOverInListedOrderAndSaysWhereItsAnswerCameFrom() {
    ConsulTestAgent agent = consul.agent();
    agent.registerNodeService("a1", "10.0.1.1", WEB);
    TestDatacenter dc2 = agent.addDatacenter("dc2");
    TestDatacenter dc3 = agent.addDatacenter("dc3");
    dc2.registerNodeService("b1", "10.0.2.1", WEB);
    dc3.registerNodeService("c1", "10.0.3.1", WEB);
    Http.Response created = Http.post(agent, "/v1/query", "{\"Name\":\"web-ha\",\"Service\":{\"Service\":\"web\","
        + "\"Failover\":{\"Datacenters\":[\"dc9\",\"dc3\",\"dc2\"]}},\"DNS\":{\"TTL\":\"10s\"}}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    String id = created.json().path("ID").asText();
    assertThat(id).hasSize(36);

    JsonNode local = Http.get(agent, "/v1/query/web-ha/execute").json();
    assertThat(local.path("Service").asText()).isEqualTo("web");
    assertThat(addresses(local.path("Nodes"))).containsExactly("10.0.1.1");
    assertThat(local.path("Datacenter").asText()).isEqualTo("dc1");
    assertThat(local.path("Failovers").asInt()).isZero();
    assertThat(local.path("DNS").path("TTL").asText()).isEqualTo("10s");

    agent.setServiceHealth("web", "critical");
    Http.Response failed = Http.get(agent, "/v1/query/" + id + "/execute?index=5&wait=10s");
    assertThat(failed.header("X-Consul-Index")).isEqualTo("1"); // not a blocking endpoint: answers at once
    assertThat(addresses(failed.json().path("Nodes"))).containsExactly("10.0.3.1");
    assertThat(failed.json().path("Datacenter").asText()).isEqualTo("dc3");
    assertThat(failed.json().path("Failovers").asInt()).isEqualTo(1); // dc9 is unknown: skipped, not tried

    dc3.setServiceHealth("web", "critical");
    JsonNode second = Http.get(agent, "/v1/query/web-ha/execute").json();
    assertThat(addresses(second.path("Nodes"))).containsExactly("10.0.2.1");
    assertThat(second.path("Failovers").asInt()).isEqualTo(2);
  }

  @Test
  void anUnknownPreparedQueryIs404QueryNotFoundAndABadOneIsRefusedWithConsulsText() {
    ConsulTestAgent agent = consul.agent();
    Http.Response missing = Http.get(agent, "/v1/query/nope/execute");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body()).isEqualTo("Query not found");
    Http.Response noService = Http.post(agent, "/v1/query", "{\"Name\":\"x\",\"Service\":{}}");
    assertThat(noService.status()).isEqualTo(500);
    assertThat(noService.body()).isEqualTo("Invalid prepared query: Must provide a Service name to query");
    assertThat(Http.post(agent, "/v1/query", "{\"Name\":\"x\",\"Service\":{\"Service\":\"web\"}}").status())
        .isEqualTo(200);
    Http.Response twice = Http.post(agent, "/v1/query", "{\"Name\":\"x\",\"Service\":{\"Service\":\"db\"}}");
    assertThat(twice.body()).isEqualTo("name 'x' aliases an existing query name");
    assertThat(Http.get(agent, "/v1/query/x/execute?dc=dc9").body()).isEqualTo("No path to datacenter");
  }

  @Test
  void aPreparedQueryWithTagsAndOnlyPassingSelectsLikeConsul() {
    ConsulTestAgent agent = consul.agent();
    agent.registerNodeService("a1", "10.0.1.1", "{\"Name\":\"db\",\"ID\":\"db1\",\"Port\":1,\"Tags\":[\"Primary\"],"
        + "\"Check\":{\"TTL\":\"60s\",\"Status\":\"warning\"}}");
    agent.registerNodeService("a2", "10.0.1.2", "{\"Name\":\"db\",\"ID\":\"db2\",\"Port\":1,\"Tags\":[\"primary\","
        + "\"experimental\"],\"Check\":{\"TTL\":\"60s\",\"Status\":\"passing\"}}");
    agent.createPreparedQuery("{\"Name\":\"db-any\",\"Service\":{\"Service\":\"db\",\"Tags\":[\"primary\"]}}");
    agent.createPreparedQuery("{\"Name\":\"db-stable\",\"Service\":{\"Service\":\"db\","
        + "\"Tags\":[\"primary\",\"!experimental\"]}}");
    agent.createPreparedQuery("{\"Name\":\"db-passing\",\"Service\":{\"Service\":\"db\",\"OnlyPassing\":true}}");
    assertThat(addresses(Http.get(agent, "/v1/query/db-any/execute").json().path("Nodes")))
        .containsExactlyInAnyOrder("10.0.1.1", "10.0.1.2"); // warning counts as healthy without OnlyPassing
    assertThat(addresses(Http.get(agent, "/v1/query/db-stable/execute").json().path("Nodes")))
        .containsExactly("10.0.1.1");
    assertThat(addresses(Http.get(agent, "/v1/query/db-passing/execute").json().path("Nodes")))
        .containsExactly("10.0.1.2");
  }

  @Test
  void aPreparedQueryOverDnsFailsOverAndNamesTheDatacenterThatAnswered() {
    ConsulTestAgent agent = consul.agent();
    agent.registerNodeService("a1", "10.0.1.1", WEB);
    TestDatacenter dc2 = agent.addDatacenter("dc2");
    dc2.registerNodeService("b1", "10.0.2.1", WEB);
    agent.createPreparedQuery("{\"Name\":\"web-ha\",\"Service\":{\"Service\":\"web\",\"Failover\":{\"NearestN\":1}},"
        + "\"DNS\":{\"TTL\":\"7s\"}}");
    SRVRecord local = (SRVRecord) Dig.tcp(agent.dnsAddress(), "web-ha.query.consul.", Type.SRV, null).message()
        .getSection(Section.ANSWER).get(0);
    assertThat(local.getTarget().toString()).isEqualTo("a1.node.dc1.consul.");
    assertThat(local.getTTL()).isEqualTo(7);

    agent.setServiceHealth("web", "critical");
    List<Record> answer = Dig.tcp(agent.dnsAddress(), "web-ha.query.consul.", Type.SRV, null).message()
        .getSection(Section.ANSWER);
    assertThat(((SRVRecord) answer.get(0)).getTarget().toString()).isEqualTo("b1.node.dc2.consul.");
    assertThat(Dig.tcp(agent.dnsAddress(), "nope.query.consul.", Type.SRV, null).message().getRcode())
        .isEqualTo(Rcode.NXDOMAIN);
  }
}
