package dev.discovery.examples;

import static dev.discovery.examples.LookupCommandTest.lookup;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.consul.testkit.TestDatacenter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lookup tool's --failover-dc, --min-healthy and --prepared-query, against a testkit with two datacenters. */
class LookupFailoverTest {
  private ConsulTestAgent consul;

  @BeforeEach
  void start() {
    consul = ConsulTestAgent.builder().runChecks(false).start();
    TestDatacenter dc2 = consul.addDatacenter("dc2");
    consul.registerNodeService("a1", "10.0.1.1", web("web-a1"));
    dc2.registerNodeService("b1", "10.0.2.1", web("web-b1"));
    dc2.registerNodeService("b2", "10.0.2.2", web("web-b2"));
    consul.createPreparedQuery("{\"Name\":\"web-ha\",\"Service\":{\"Service\":\"web\","
        + "\"Failover\":{\"Datacenters\":[\"dc2\"]}}}");
  }

  @AfterEach
  void stop() {
    consul.close();
  }

  private static String web(String id) {
    return "{\"Name\":\"web\",\"ID\":\"" + id + "\",\"Port\":80,\"Check\":{\"TTL\":\"10m\",\"Status\":\"passing\"}}";
  }

  private String http() {
    return "--consul=" + consul.httpUri();
  }

  private static JsonNode json(LookupCommandTest.Run run) throws Exception {
    assertThat(run.exit()).as(run.err()).isZero();
    return new ObjectMapper().readTree(run.out());
  }

  @Test
  void failsOverToTheFallbackDatacenterAndJsonSaysWhichDatacenterAnswered() throws Exception {
    JsonNode local = json(lookup("web", http(), "--failover-dc=dc2", "--json"));
    assertThat(local).hasSize(1);
    assertThat(local.get(0).path("datacenter").isNull()).as("the agent's own").isTrue();

    JsonNode twoNeeded = json(lookup("web", http(), "--failover-dc=dc2", "--min-healthy=2", "--json"));
    assertThat(twoNeeded).hasSize(2);
    assertThat(twoNeeded.get(0).path("datacenter").asText()).isEqualTo("dc2");
    assertThat(twoNeeded.get(0).path("host").asText()).isEqualTo("10.0.2.1");

    consul.setServiceHealth("web-a1", "critical");
    JsonNode failed = json(lookup("web", http(), "--failover-dc=dc2", "--json"));
    assertThat(failed.get(0).path("datacenter").asText()).isEqualTo("dc2");
  }

  @Test
  void runsAPreparedQueryByNameOverHttpAndDns() throws Exception {
    JsonNode viaHttp = json(lookup("--prepared-query=web-ha", http(), "--json"));
    assertThat(viaHttp.get(0).path("host").asText()).isEqualTo("10.0.1.1");
    assertThat(viaHttp.get(0).path("datacenter").asText()).isEqualTo("dc1");
    consul.setServiceHealth("web-a1", "critical");
    JsonNode failedOver = json(lookup("--prepared-query=web-ha", http(), "--json"));
    assertThat(failedOver.get(0).path("datacenter").asText()).isEqualTo("dc2");
    LookupCommandTest.Run viaDns = lookup("--prepared-query=web-ha", "--dns=127.0.0.1:" + consul.dnsPort());
    assertThat(viaDns.exit()).as(viaDns.err()).isZero();
    assertThat(viaDns.out()).contains("10.0.2.1:80", "10.0.2.2:80");
  }

  @Test
  void refusesFlagsThatCannotWorkTogether() {
    LookupCommandTest.Run both = lookup("web", "--prepared-query=web-ha", http());
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("not both");
    LookupCommandTest.Run neither = lookup(http());
    assertThat(neither.exit()).isEqualTo(2);
    assertThat(neither.err()).contains("--prepared-query=NAME");
    LookupCommandTest.Run minAlone = lookup("web", "--min-healthy=2", http());
    assertThat(minAlone.exit()).isEqualTo(2);
    assertThat(minAlone.err()).contains("--min-healthy needs --failover-dc");
    LookupCommandTest.Run taggedQuery = lookup("--prepared-query=web-ha", "--tag=v1", http());
    assertThat(taggedQuery.exit()).isEqualTo(2);
    assertThat(taggedQuery.err()).contains("defined in Consul");
    LookupCommandTest.Run unknown = lookup("--prepared-query=nope", http());
    assertThat(unknown.exit()).isEqualTo(3);
    assertThat(unknown.err()).contains("no prepared query 'nope'");
  }
}
