package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.discovery.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AgentEndpointsTest {
  @RegisterExtension
  final ConsulTestAgentExtension consul = new ConsulTestAgentExtension(() -> ConsulTestAgent.builder()
      .nodeName("node1").reapInterval(Duration.ofMillis(50)).deregisterCriticalMinimum(Duration.ZERO));

  private Http.Response register(String json) {
    return Http.put(consul.agent(), "/v1/agent/service/register", json);
  }

  private JsonNode checks() {
    return Http.get(consul.agent(), "/v1/agent/checks").json();
  }

  @Test
  void registrationDefaultsFollowConsul() {
    assertThat(register("{\"name\":\"web\",\"port\":80,\"check\":{\"ttl\":\"10s\"}}").status()).isEqualTo(200);
    JsonNode services = Http.get(consul.agent(), "/v1/agent/services").json();
    JsonNode web = services.get("web");
    assertThat(web.get("ID").asText()).isEqualTo("web");
    assertThat(web.get("Service").asText()).isEqualTo("web");
    assertThat(web.get("Tags").size()).isZero();
    assertThat(web.get("Meta").isObject()).isTrue();
    assertThat(web.get("Weights").get("Passing").asInt()).isEqualTo(1);
    assertThat(web.get("Weights").get("Warning").asInt()).isEqualTo(1);
    assertThat(web.get("Datacenter").asText()).isEqualTo("dc1");
    assertThat(services.has("consul")).as("the server's own service is not an agent service").isFalse();
    JsonNode check = checks().get("service:web");
    assertThat(check.get("Name").asText()).isEqualTo("Service 'web' check");
    assertThat(check.get("Status").asText()).isEqualTo("critical");
    assertThat(check.get("Type").asText()).isEqualTo("ttl");
    assertThat(check.get("Definition").get("TTL").asText()).isEqualTo("10s");
  }

  @Test
  void severalChecksAreNumberedAndAGivenStatusIsKept() {
    register("{\"Name\":\"api\",\"ID\":\"api-1\",\"Checks\":[{\"TTL\":\"10s\",\"Status\":\"passing\"},"
        + "{\"TTL\":\"10s\",\"Status\":\"warning\"},{\"CheckID\":\"mine\",\"Name\":\"custom\",\"TTL\":\"5s\"}]}");
    JsonNode checks = checks();
    assertThat(checks.get("service:api-1:1").get("Status").asText()).isEqualTo("passing");
    assertThat(checks.get("service:api-1:2").get("Status").asText()).isEqualTo("warning");
    assertThat(checks.get("mine").get("Name").asText()).isEqualTo("custom");
    assertThat(checks.get("mine").get("ServiceID").asText()).isEqualTo("api-1");
  }

  @Test
  void validationErrorsUseConsulTexts() {
    assertError(register("{\"Port\":80}"), 400, "Missing service name");
    assertError(register("{\"Name\":\"x\",\"Address\":\"0.0.0.0\"}"), 400, "Invalid service address");
    assertError(register("{\"Name\":\"x\",\"Check\":{\"TTL\":\"10s\",\"Interval\":\"10s\"}}"), 400,
        "Invalid check: Interval and TTL cannot both be specified");
    assertError(register("{\"Name\":\"x\",\"Check\":{\"HTTP\":\"http://127.0.0.1/\"}}"), 400,
        "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks");
    assertError(register("{\"Name\":\"x\",\"Check\":{\"Notes\":\"nothing\"}}"), 400,
        "Invalid check: TTL must be > 0 for TTL checks");
    assertError(register("{\"Name\":\"x\",\"Check\":{\"TTL\":\"10s\",\"Status\":\"ok\"}}"), 400,
        "Status for checks must 'passing', 'warning', 'critical'");
    assertError(register("{\"Name\":\"x\",\"Weights\":{\"Passing\":0,\"Warning\":2}}"), 400,
        "Invalid Weights: Passing must be greater than 0");
    assertError(register("{\"Name\":\"x\",\"Meta\":{\"consul-x\":\"1\"}}"), 400,
        "Invalid Service Meta: Couldn't load metadata pair ('consul-x', '1'): Key prefix 'consul-' is reserved "
            + "for internal use");
    assertError(register("{\"Name\":\"x\",\"Check\":{\"Args\":[\"/bin/true\"],\"Interval\":\"10s\"}}"), 500,
        "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true");
    Http.Response decode = register("{\"Name\":\"x\",\"Check\":{\"TTL\":\"ten\"}}");
    assertThat(decode.status()).isEqualTo(400);
    assertThat(decode.body()).startsWith("Request decode failed: time: invalid duration \"ten\"");
    assertThat(register("not json").status()).isEqualTo(400);
    assertThat(Http.get(consul.agent(), "/v1/agent/services").json().size()).isZero();
  }

  private static void assertError(Http.Response r, int status, String body) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.body()).isEqualTo(body);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
  }

  @Test
  void deregisterRemovesTheServiceAndItsChecksAndUnknownIdsAre404() {
    register("{\"Name\":\"web\",\"ID\":\"web1\",\"Check\":{\"TTL\":\"10s\"}}");
    assertThat(Http.put(consul.agent(), "/v1/agent/service/deregister/web1", "").status()).isEqualTo(200);
    assertThat(Http.get(consul.agent(), "/v1/agent/services").json().has("web1")).isFalse();
    assertThat(checks().has("service:web1")).isFalse();
    assertThat(Http.get(consul.agent(), "/v1/health/service/web").body()).isEqualTo("[]");
    assertError(Http.put(consul.agent(), "/v1/agent/service/deregister/web1", ""), 404,
        "Unknown service ID \"web1\". Ensure that the service ID is passed, not the service name.");
  }

  @Test
  void checkUpdatesSetStatusAndOutputAndRejectUnknownOrNonTtlChecks() {
    register("{\"Name\":\"web\",\"Check\":{\"TTL\":\"1m\"}}");
    register("{\"Name\":\"other\",\"Check\":{\"TCP\":\"127.0.0.1:1\",\"Interval\":\"10s\"}}");
    assertThat(Http.put(consul.agent(), "/v1/agent/check/warn/service:web?note=slow", "").status())
        .isEqualTo(200);
    JsonNode check = checks().get("service:web");
    assertThat(check.get("Status").asText()).isEqualTo("warning");
    assertThat(check.get("Output").asText()).isEqualTo("slow");
    assertThat(Http.put(consul.agent(), "/v1/agent/check/pass/service:web", "").status()).isEqualTo(200);
    assertThat(checks().get("service:web").get("Status").asText()).isEqualTo("passing");
    assertError(Http.put(consul.agent(), "/v1/agent/check/pass/nope", ""), 404,
        "Unknown check ID \"nope\". Ensure that the check ID is passed, not the check name.");
    assertError(Http.put(consul.agent(), "/v1/agent/check/pass/service:other", ""), 500,
        "CheckID \"service:other\" does not have associated TTL");
  }

  @Test
  void heartbeatsWithTheSameStatusDoNotBumpTheIndex() {
    register("{\"Name\":\"web\",\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}");
    long index = Http.get(consul.agent(), "/v1/health/service/web").index();
    for (int i = 0; i < 3; i++) {
      Http.put(consul.agent(), "/v1/agent/check/pass/service:web?note=beat" + i, "");
    }
    assertThat(Http.get(consul.agent(), "/v1/health/service/web").index()).isEqualTo(index);
    Http.put(consul.agent(), "/v1/agent/check/fail/service:web", "");
    assertThat(Http.get(consul.agent(), "/v1/health/service/web").index()).isGreaterThan(index);
  }

  @Test
  void ttlChecksExpireToCritical() {
    register("{\"Name\":\"web\",\"Check\":{\"TTL\":\"150ms\",\"Status\":\"passing\"}}");
    Await.until("TTL expiry", Duration.ofSeconds(10),
        () -> checks().get("service:web").get("Status").asText().equals("critical"));
    assertThat(checks().get("service:web").get("Output").asText()).isEqualTo("TTL expired");
    Http.put(consul.agent(), "/v1/agent/check/pass/service:web?note=all%20good", "");
    Await.until("second TTL expiry", Duration.ofSeconds(10),
        () -> checks().get("service:web").get("Status").asText().equals("critical"));
    assertThat(checks().get("service:web").get("Output").asText())
        .isEqualTo("TTL expired (last output before timeout follows): all good");
  }

  @Test
  void deregisterCriticalServiceAfterReapsTheService() {
    register("{\"Name\":\"doomed\",\"Check\":{\"TTL\":\"1m\",\"DeregisterCriticalServiceAfter\":\"100ms\"}}");
    register("{\"Name\":\"fine\",\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\","
        + "\"DeregisterCriticalServiceAfter\":\"100ms\"}}");
    Await.until("the reaper", Duration.ofSeconds(10),
        () -> !Http.get(consul.agent(), "/v1/agent/services").json().has("doomed"));
    assertThat(Http.get(consul.agent(), "/v1/agent/services").json().has("fine")).isTrue();
  }

  @Test
  void replaceExistingChecksDropsChecksMissingFromTheRequest() {
    register("{\"Name\":\"web\",\"Checks\":[{\"CheckID\":\"a\",\"TTL\":\"1m\"},{\"CheckID\":\"b\",\"TTL\":\"1m\"}]}");
    register("{\"Name\":\"web\",\"Checks\":[{\"CheckID\":\"a\",\"TTL\":\"1m\"}]}");
    assertThat(checks().has("b")).as("without the flag old checks stay").isTrue();
    Http.put(consul.agent(), "/v1/agent/service/register?replace-existing-checks",
        "{\"Name\":\"web\",\"Checks\":[{\"CheckID\":\"a\",\"TTL\":\"1m\"}]}");
    assertThat(checks().has("a")).isTrue();
    assertThat(checks().has("b")).isFalse();
  }

  @Test
  void reRegistrationKeepsTheCheckStatusAndIdenticalReRegistrationChangesNothing() {
    register("{\"Name\":\"web\",\"Check\":{\"TTL\":\"1m\"}}");
    Http.put(consul.agent(), "/v1/agent/check/pass/service:web", "");
    long index = Http.get(consul.agent(), "/v1/health/service/web").index();
    register("{\"Name\":\"web\",\"Check\":{\"TTL\":\"1m\"}}");
    assertThat(checks().get("service:web").get("Status").asText()).isEqualTo("passing");
    assertThat(Http.get(consul.agent(), "/v1/health/service/web").index()).isEqualTo(index);
  }

  @Test
  void maintenanceModeAddsAndRemovesACriticalCheck() {
    register("{\"Name\":\"web\",\"ID\":\"web1\",\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}");
    assertThat(Http.put(consul.agent(), "/v1/agent/service/maintenance/web1?enable=true&reason=deploy", "")
        .status()).isEqualTo(200);
    JsonNode m = checks().get("_service_maintenance:web1");
    assertThat(m.get("Status").asText()).isEqualTo("critical");
    assertThat(m.get("Notes").asText()).isEqualTo("deploy");
    assertThat(m.get("Name").asText()).isEqualTo("Service Maintenance Mode");
    assertThat(Http.get(consul.agent(), "/v1/health/service/web?passing").body()).isEqualTo("[]");
    Http.put(consul.agent(), "/v1/agent/service/maintenance/web1?enable=false", "");
    assertThat(checks().has("_service_maintenance:web1")).isFalse();
    assertThat(Http.get(consul.agent(), "/v1/health/service/web?passing").json().size()).isEqualTo(1);
    assertThat(Http.put(consul.agent(), "/v1/agent/service/maintenance/web1", "").status()).isEqualTo(400);
    assertThat(Http.put(consul.agent(), "/v1/agent/service/maintenance/nope?enable=true", "").status())
        .isEqualTo(404);
  }

  @Test
  void wrongMethodIs405AndUnknownPathIs404() {
    Http.Response r = Http.get(consul.agent(), "/v1/agent/service/register");
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.body()).isEqualTo("method GET not allowed");
    assertThat(r.header("Allow")).isEqualTo("OPTIONS,PUT");
    assertThat(Http.method(consul.agent(), "DELETE", "/v1/health/service/web").status()).isEqualTo(405);
    assertError(Http.get(consul.agent(), "/v1/nope"), 404, "Invalid URL path: not a recognized HTTP API endpoint");
  }
}
