package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Health;
import dev.discovery.HealthFilter;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.consul.Fixtures;
import dev.discovery.consul.http.Bodies;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthParserTest {
  private static final ServiceQuery REDIS = ServiceQuery.of("redis");
  private static final ServiceQuery WEB_ANY = ServiceQuery.of("web").withHealth(HealthFilter.PASSING_OR_WARNING);

  private static List<ServiceInstance> parse(String body, ServiceQuery q, String tagged) throws Exception {
    return HealthParser.parse(body.getBytes(StandardCharsets.UTF_8), q, tagged).instances();
  }

  @Test
  void parsesTheDocumentedSample() throws Exception {
    List<ServiceInstance> instances = parse(Fixtures.consul("health-service-redis.json"), REDIS, null);
    assertThat(instances).hasSize(1);
    ServiceInstance i = instances.get(0);
    assertThat(i.id()).isEqualTo("foobar/redis");
    assertThat(i.service()).isEqualTo("redis");
    assertThat(i.host()).isEqualTo("10.1.10.12");
    assertThat(i.port()).isEqualTo(8000);
    assertThat(i.tags()).containsExactly("primary");
    assertThat(i.meta()).containsEntry("redis_version", "4.0");
    assertThat(i.weight()).isEqualTo(10);
    assertThat(i.health()).isEqualTo(Health.PASSING);
  }

  @Test
  void nodeMetaIsReadAndSharedBetweenInstancesWithTheSameOne() throws Exception {
    ServiceInstance redis = parse(Fixtures.consul("health-service-redis.json"), REDIS, null).get(0);
    assertThat(redis.nodeMeta()).containsExactly(java.util.Map.entry("instance_type", "t2.medium"));
    String zoneA = "\"Meta\":{\"zone\":\"a\",\"consul-network-segment\":\"\"}},";
    String body = Bodies.array(
        Bodies.entry("n1", "10.0.0.1", "web-1", "web", "", 8080, List.of(), "passing").replace("\"Meta\":{}},", zoneA),
        Bodies.entry("n2", "10.0.0.2", "web-2", "web", "", 8081, List.of(), "passing").replace("\"Meta\":{}},", zoneA),
        Bodies.entry("n3", "10.0.0.3", "web-3", "web", "", 8082, List.of(), "passing"));
    List<ServiceInstance> web = parse(body, WEB_ANY, null);
    assertThat(web.get(0).nodeMeta()).containsEntry("zone", "a");
    assertThat(web.get(1).nodeMeta()).isSameAs(web.get(0).nodeMeta());
    assertThat(web.get(2).nodeMeta()).isEmpty();
    assertThatThrownBy(() -> parse(body.replaceFirst("\"zone\":\"a\"", "\"zone\":1"), WEB_ANY, null))
        .hasMessageContaining("Node Meta.zone must be a string");
  }

  @Test
  void nodeMetaThatRepeatsIsOneMapWhateverComesBetweenAndEveryOtherIsReadAsWritten() throws Exception {
    String[] metas = {
        "{\"zone\":\"a\",\"seg\":\"\"}", "{\"zone\":\"b\",\"seg\":\"\"}", "{\"zone\":\"a\",\"seg\":\"\"}",
        "{\"zone\":\"a\"}", "{\"zone\":\"a\",\"seg\":\"\",\"x\":\"1\"}", "{\"seg\":\"\",\"zone\":\"b\"}",
        "{}", "{\"zone\":\"ab\"}"};
    String[] entries = new String[metas.length];
    for (int i = 0; i < metas.length; i++) {
      entries[i] = Bodies.entry("n" + i, "10.0.0." + (i + 1), "web-" + i, "web", "", 8080 + i, List.of(), "passing")
          .replace("\"Meta\":{}},", "\"Meta\":" + metas[i] + "},");
    }
    List<ServiceInstance> web = parse(Bodies.array(entries), WEB_ANY, null);
    assertNodeMetaAsWritten(web, metas);
    assertThat(web.get(2).nodeMeta()).isSameAs(web.get(0).nodeMeta());
    assertThat(web.get(5).nodeMeta()).as("the same pairs in another order").isSameAs(web.get(1).nodeMeta());
    assertThat(web.get(3).nodeMeta()).isNotSameAs(web.get(0).nodeMeta());
  }

  /** Each instance's node meta equals the JSON object it was read from. */
  private static void assertNodeMetaAsWritten(List<ServiceInstance> web, String[] metas) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    for (int i = 0; i < metas.length; i++) {
      java.util.Map<?, ?> expected = mapper.readValue(metas[i], java.util.Map.class);
      assertThat(web.get(i).nodeMeta()).as("entry %d", i).isEqualTo(expected);
    }
  }

  @Test
  void taggedAddressesAreReadWhicheverCaseTheKeysUse() throws Exception {
    String sample = Fixtures.consul("health-service-redis.json");
    ServiceInstance wan = parse(sample, REDIS, "wan").get(0);
    assertThat(wan.host()).isEqualTo("198.18.1.2");
    assertThat(wan.port()).isEqualTo(80);
    String upper = sample.replace("\"address\"", "\"Address\"").replace("\"port\"", "\"Port\"");
    assertThat(parse(upper, REDIS, "wan").get(0).address()).isEqualTo("198.18.1.2:80");
    // a tag the service lacks falls back to the node's tagged address, then to the normal address
    assertThat(parse(sample.replace("\"lan\": {", "\"lan_x\": {"), REDIS, "lan").get(0).host()).isEqualTo("10.1.10.12");
  }

  @Test
  void emptyServiceAddressFallsBackToTheNode() throws Exception {
    String body = Bodies.array(Bodies.entry("n1", "10.0.0.1", "web-1", "web", "", 8080, List.of(), "passing"));
    assertThat(parse(body, WEB_ANY, null).get(0).address()).isEqualTo("10.0.0.1:8080");
  }

  @Test
  void healthAggregatesEveryCheckIncludingTheNodes() throws Exception {
    String body = Bodies.array(
        Bodies.entry("n1", "10.0.0.1", "a", "web", "", 1, List.of(), "passing", "warning"),
        Bodies.entry("n2", "10.0.0.2", "b", "web", "", 2, List.of(), "passing", "critical"),
        Bodies.entry("n3", "10.0.0.3", "c", "web", "", 3, List.of(), "passing").replace(
            "\"CheckID\":\"serfHealth\",\"Name\":\"Serf Health Status\",\"Status\":\"passing\"",
            "\"CheckID\":\"serfHealth\",\"Name\":\"Serf Health Status\",\"Status\":\"critical\""),
        Bodies.entry("n4", "10.0.0.4", "d", "web", "", 4, List.of(), "passing")
            .replace("\"CheckID\":\"service:d\"", "\"CheckID\":\"_service_maintenance:d\""),
        Bodies.entry("n5", "10.0.0.5", "e", "web", "", 5, List.of()));
    List<ServiceInstance> any = parse(body, WEB_ANY, null);
    assertThat(any).extracting(ServiceInstance::id).containsExactly("n1/a", "n5/e");
    assertThat(any.get(0).health()).isEqualTo(Health.WARNING);
    assertThat(any.get(1).health()).isEqualTo(Health.PASSING);
    assertThat(parse(body, ServiceQuery.of("web"), null)).extracting(ServiceInstance::id).containsExactly("n5/e");
  }

  @Test
  void weightFollowsHealthAndIsAtLeastOne() throws Exception {
    String warning = Bodies.entry("n1", "10.0.0.1", "a", "web", "", 1, List.of(), "warning")
        .replace("\"Weights\":{\"Passing\":1,\"Warning\":1}", "\"Weights\":{\"Passing\":10,\"Warning\":0}");
    String passing = Bodies.entry("n2", "10.0.0.2", "b", "web", "", 1, List.of(), "passing")
        .replace("\"Weights\":{\"Passing\":1,\"Warning\":1}", "\"Weights\":{\"Passing\":7,\"Warning\":3}");
    String none = Bodies.entry("n3", "10.0.0.3", "c", "web", "", 1, List.of(), "passing")
        .replace(",\"Weights\":{\"Passing\":1,\"Warning\":1}", "");
    List<ServiceInstance> list = parse(Bodies.array(warning, passing, none), WEB_ANY, null);
    assertThat(list).extracting(ServiceInstance::weight).containsExactly(1, 7, 1);
  }

  @Test
  void sameServiceIdOnTwoNodesGivesTwoInstances() throws Exception {
    String body = Bodies.array(
        Bodies.entry("n1", "10.0.0.1", "web", "web", "", 80, List.of(), "passing"),
        Bodies.entry("n2", "10.0.0.2", "web", "web", "", 80, List.of(), "passing"));
    assertThat(parse(body, WEB_ANY, null)).extracting(ServiceInstance::id).containsExactly("n1/web", "n2/web");
  }

  @Test
  void tagsAreKeptAndQueryTagsEnforcedIgnoringCase() throws Exception {
    String body = Bodies.array(
        Bodies.entry("n1", "10.0.0.1", "a", "web", "", 80, List.of("V2", "blue"), "passing"),
        Bodies.entry("n2", "10.0.0.2", "b", "web", "", 80, List.of("v1"), "passing"));
    List<ServiceInstance> v2 = parse(body, ServiceQuery.of("web").withTags("v2"), null);
    assertThat(v2).extracting(ServiceInstance::id).containsExactly("n1/a");
    assertThat(v2.get(0).tags()).containsExactlyInAnyOrder("V2", "blue");
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    String body = Bodies.array(Bodies.entry("n1", "10.0.0.1", "a", "web", "", 80, List.of(), "passing")
        .replace("\"Port\":80", "\"Port\":80,\"Proxy\":{\"Mode\":\"\"},\"Future\":[1,2,{}]"));
    assertThat(parse(body, WEB_ANY, null)).hasSize(1);
  }

  @Test
  void portZeroEntriesAreLeftOutAndCounted() throws Exception {
    String body = Bodies.array(
        Bodies.entry("n1", "10.0.0.1", "a", "web", "", 0, List.of(), "passing"),
        Bodies.entry("n2", "10.0.0.2", "b", "web", "", 80, List.of(), "passing"));
    HealthParser.Result r = HealthParser.parse(body.getBytes(StandardCharsets.UTF_8), WEB_ANY, null);
    assertThat(r.instances()).extracting(ServiceInstance::id).containsExactly("n2/b");
    assertThat(r.withoutPort()).isEqualTo(1);
  }

  @Test
  void badBodiesAreRefusedNamingTheProblem() {
    String good = Bodies.entry("n1", "10.0.0.1", "a", "web", "", 80, List.of(), "passing");
    assertRejected("[{", "not valid JSON");
    assertRejected("null", "JSON array");
    assertRejected("", "empty");
    assertRejected("{\"a\":1}", "JSON array");
    assertRejected("[] []", "not valid JSON");
    assertRejected(Bodies.array(good.replace("\"Port\":80", "\"Port\":\"80\"")), "Service.Port");
    assertRejected(Bodies.array(good.replace("\"Port\":80", "\"Port\":-1")), "Service.Port");
    assertRejected(Bodies.array(good.replace("\"Port\":80", "\"Port\":70000")), "Service.Port");
    assertRejected(Bodies.array(good.replace("\"Port\":80,", "")), "Service.Port");
    assertRejected(Bodies.array(good.replace("\"Address\":\"10.0.0.1\"", "\"Address\":\"\"")), "empty address");
    assertRejected(Bodies.array(good.replace("\"ID\":\"a\"", "\"ID\":7")), "ID must be a string");
    assertRejected(Bodies.array(good.replace("\"Tags\":[]", "\"Tags\":\"v1\"")), "Service.Tags");
    assertRejected(Bodies.array(good.replace("\"Meta\":{},\"Port\"", "\"Meta\":{\"k\":1},\"Port\"")), "Meta.k");
    assertRejected(Bodies.array(good.replace("\"Service\":\"web\"", "\"Service\":\"db\"")), "not the service asked");
    assertRejected(Bodies.array(good.replaceFirst("\"Checks\":\\[.*\\]", "\"Checks\":{}")), "Checks must be an array");
    assertRejected(Bodies.array(good.replace("\"Status\":\"passing\"", "\"Status\":true")), "Status must be a string");
    assertRejected("[1]", "entry 0 must be an object");
  }

  private static void assertRejected(String body, String message) {
    assertThatThrownBy(() -> parse(body, WEB_ANY, null))
        .isInstanceOf(InvalidAnswerException.class).hasMessageContaining(message);
  }
}
