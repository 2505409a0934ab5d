package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The health endpoint's selection parameters as the discovery client uses them per query: the filter forms it
 * generates (meta equality with escaped strings, index selectors, any-of tags, parenthesised conjunctions),
 * repeated node-meta, and near.
 */
class SelectionParamsTest {
  @RegisterExtension
  static final ConsulTestAgentExtension consul = new ConsulTestAgentExtension();

  @BeforeAll
  static void services() {
    ConsulTestAgent agent = consul.agent();
    agent.registerService("{\"Name\":\"api\",\"ID\":\"a1\",\"Tags\":[\"blue\"],\"Port\":1,"
        + "\"Meta\":{\"version\":\"1\",\"odd\":\"say \\\"hi\\\" \\\\o/\",\"build-id\":\"7\"}}");
    Http.put(agent, "/v1/catalog/register", "{\"Node\":\"n-east\",\"Address\":\"10.0.0.2\",\"NodeMeta\":"
        + "{\"zone\":\"east\",\"rack\":\"r1\"},\"Service\":{\"Service\":\"api\",\"ID\":\"a2\",\"Port\":2,"
        + "\"Tags\":[\"green\"],\"Meta\":{\"version\":\"2\"}}}");
    Http.put(agent, "/v1/catalog/register", "{\"Node\":\"n-west\",\"Address\":\"10.0.0.3\",\"NodeMeta\":"
        + "{\"zone\":\"west\",\"rack\":\"r1\"},\"Service\":{\"Service\":\"api\",\"ID\":\"a3\",\"Port\":3,"
        + "\"Tags\":[\"red\"],\"Meta\":{\"version\":\"2\"}}}");
  }

  private static List<String> ids(String query) {
    Http.Response r = Http.get(consul.agent(), "/v1/health/service/api" + query);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    r.json().forEach(e -> ids.add(e.at("/Service/ID").asText()));
    return ids;
  }

  private static String filter(String expression) {
    return "?filter=" + URLEncoder.encode(expression, StandardCharsets.UTF_8);
  }

  private static Http.Response rejected(String expression) {
    Http.Response r = Http.get(consul.agent(), "/v1/health/service/api" + filter(expression));
    assertThat(r.status()).as(expression).isEqualTo(500);
    assertThat(r.body()).as(expression).startsWith("Failed to create boolean expression evaluator: ");
    return r;
  }

  @Test
  void theGeneratedFormsSelectWhatTheySay() {
    assertThat(ids(filter("(Service.Meta.version == \"2\") and (\"green\" in Service.Tags or \"blue\" in"
        + " Service.Tags)"))).containsExactly("a2");
    assertThat(ids(filter("Service.Meta[\"build-id\"] == \"7\""))).containsExactly("a1");
    assertThat(ids(filter("Service.Meta[`version`] == \"1\" or Node.Meta[\"zone\"] == \"west\"")))
        .containsExactlyInAnyOrder("a1", "a3");
    // A value holding a quote and a backslash: Go escapes in "..." (the quote as \x22), or a raw `...`.
    assertThat(ids(filter("Service.Meta.odd == \"say \\x22hi\\x22 \\\\o/\""))).containsExactly("a1");
    assertThat(ids(filter("Service.Meta.odd == `say \"hi\" \\o/`"))).containsExactly("a1");
    assertThat(ids(filter("\"and\" in Service.Tags"))).isEmpty(); // a quoted keyword is a value
  }

  @Test
  void whatBexprCannotParseIsRejectedWithConsulsText() {
    rejected("Service.Meta.odd == \"say \\\"hi\\\"\""); // the literal ends at the first quote
    rejected("Service.Meta.build-id == \"7\""); // not an identifier: needs the index form
    rejected("Service.Meta.version == \"\\q\"");
    rejected("Service.Tags[\"x\"] == \"y\"");
    rejected("(Service.Meta.version == \"2\"");
    rejected("Service.Meta.version = \"2\"");
    rejected("\"a\" in");
  }

  @Test
  void nodeMetaPairsAllMatchAndARepeatedKeyKeepsItsLastValue() {
    assertThat(ids("?node-meta=rack:r1")).containsExactlyInAnyOrder("a2", "a3");
    assertThat(ids("?node-meta=rack:r1&node-meta=zone:east")).containsExactly("a2");
    assertThat(ids("?node-meta=zone:east&node-meta=zone:west")).containsExactly("a3");
    assertThat(ids("?node-meta=zone:north")).isEmpty();
  }

  @Test
  void nearSortsByDistanceFromTheSourceNode() {
    ConsulTestAgent agent = consul.agent();
    List<String> serverOrder = ids("");
    assertThat(ids("?near=_agent")).as("all nodes at the origin: equal distances").isEqualTo(serverOrder);
    agent.setNodeCoordinate(agent.nodeName(), Duration.ofMillis(10));
    agent.setNodeCoordinate("n-east", Duration.ofMillis(40));
    agent.setNodeCoordinate("n-west", Duration.ofMillis(15));
    assertThat(ids("?near=_agent")).containsExactly("a1", "a3", "a2");
    assertThat(ids("?near=n-east")).containsExactly("a2", "a3", "a1");
    assertThat(ids("?near=no-such-node")).as("no coordinate: no sort").isEqualTo(serverOrder);
    assertThat(ids("?near=_agent&filter=" + URLEncoder.encode("Service.Meta.version == \"2\"",
        StandardCharsets.UTF_8))).containsExactly("a3", "a2");
  }
}
