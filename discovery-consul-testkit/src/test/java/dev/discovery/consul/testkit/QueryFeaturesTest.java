package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Query parameters beyond the basics: filter, node-meta, catalog tags, pretty, parameter errors. */
class QueryFeaturesTest {
  @RegisterExtension
  static final ConsulTestAgentExtension consul = new ConsulTestAgentExtension();

  @BeforeAll
  static void services() {
    ConsulTestAgent agent = consul.agent();
    agent.registerService("{\"Name\":\"web\",\"ID\":\"w1\",\"Tags\":[\"blue\"],\"Port\":1,"
        + "\"Meta\":{\"version\":\"1\"},\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}");
    agent.registerNodeService("rack2", "10.0.0.2", "{\"Name\":\"web\",\"ID\":\"w2\",\"Tags\":[\"green\"],"
        + "\"Port\":2,\"Meta\":{\"version\":\"2\"},\"Check\":{\"TTL\":\"1m\",\"Status\":\"warning\"}}");
    Http.put(agent, "/v1/catalog/register", "{\"Node\":\"ext\",\"Address\":\"10.0.0.3\",\"NodeMeta\":"
        + "{\"zone\":\"b\"},\"Service\":{\"Service\":\"web\",\"ID\":\"w3\",\"Port\":3}}");
  }

  private static List<String> ids(String query) {
    Http.Response r = Http.get(consul.agent(), "/v1/health/service/web" + query);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    r.json().forEach(e -> ids.add(e.at("/Service/ID").asText()));
    return ids;
  }

  private static String filter(String expression) {
    return "?filter=" + URLEncoder.encode(expression, StandardCharsets.UTF_8);
  }

  @Test
  void filterSubset() {
    assertThat(ids(filter("Service.Meta.version == \"2\""))).containsExactly("w2");
    assertThat(ids(filter("\"blue\" in Service.Tags"))).containsExactly("w1");
    assertThat(ids(filter("Service.Tags contains green or Service.Port == 3"))).containsExactly("w3", "w2");
    assertThat(ids(filter("\"warning\" not in Checks.Status and Node.Node != ext"))).containsExactly("w1");
    assertThat(ids(filter("Service.Meta is empty"))).containsExactly("w3");
    assertThat(ids(filter("not (Node.Meta.zone == b)"))).containsExactly("w1", "w2");
    Http.Response bad = Http.get(consul.agent(), "/v1/health/service/web" + filter("Service.Tags == blue"));
    assertThat(bad.status()).isEqualTo(500);
    assertThat(bad.body()).startsWith("Failed to create boolean expression evaluator: ");
    assertThat(Http.get(consul.agent(), "/v1/health/service/web" + filter("Bogus.Field == 1")).status())
        .isEqualTo(500);
  }

  @Test
  void nodeMetaIsAndedKeyValue() {
    assertThat(ids("?node-meta=zone:b")).containsExactly("w3");
    assertThat(ids("?node-meta=zone:a")).isEmpty();
    assertThat(ids("?node-meta=consul-network-segment:")).containsExactly("w1", "w2");
  }

  @Test
  void catalogServiceIsFlatUnfilteredByHealthAndFiltersTags() {
    Http.Response r = Http.get(consul.agent(), "/v1/catalog/service/web");
    assertThat(r.json().size()).isEqualTo(3);
    JsonNode w3 = r.json().get(0);
    assertThat(w3.get("Node").asText()).isEqualTo("ext");
    assertThat(w3.get("ServiceID").asText()).isEqualTo("w3");
    assertThat(w3.get("ServiceMeta").isNull()).as("Meta never given stays null, as in Consul").isTrue();
    assertThat(w3.get("ServiceAddress").asText()).isEmpty();
    assertThat(Http.get(consul.agent(), "/v1/catalog/service/web?tag=GREEN").json().size()).isEqualTo(1);
    assertThat(r.index()).isPositive();
  }

  @Test
  void prettyPrintsLikeGoMarshalIndent() {
    Http.Response r = Http.get(consul.agent(), "/v1/catalog/services?pretty");
    assertThat(r.body()).startsWith("{\n    \"consul\": [],\n    \"web\": [\n        \"blue\",\n");
    assertThat(r.body()).endsWith("}\n");
  }

  @Test
  void parameterErrors() {
    assertError("/v1/health/service/web?wait=forever", "Invalid wait time");
    assertError("/v1/health/service/web?index=-3", "Invalid index");
    assertError("/v1/health/service/web?stale&consistent",
        "Cannot specify ?stale with ?consistent, conflicting semantics.");
    assertError("/v1/health/service/", "Missing service name");
  }

  private static void assertError(String path, String body) {
    Http.Response r = Http.get(consul.agent(), path);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).isEqualTo(body);
  }
}
