package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC checks are accepted as Consul accepts them (an {@code Interval} is required, {@code GRPCUseTLS} kept in the
 * definition, type {@code grpc}) but never run: they keep their initial status.
 */
class GrpcCheckTest {
  @RegisterExtension
  final ConsulTestAgentExtension consul = new ConsulTestAgentExtension(() -> ConsulTestAgent.builder()
      .nodeName("node1"));

  private Http.Response register(String json) {
    return Http.put(consul.agent(), "/v1/agent/service/register", json);
  }

  @Test
  void aGrpcCheckIsStoredWithItsDefinitionAndStartsCritical() {
    assertThat(register("{\"Name\":\"echo\",\"ID\":\"echo-1\",\"Port\":9000,\"Check\":{\"GRPC\":"
        + "\"127.0.0.1:9000/echo.Echo\",\"GRPCUseTLS\":true,\"Interval\":\"10s\",\"Timeout\":\"2s\"}}").status())
        .isEqualTo(200);
    JsonNode check = Http.get(consul.agent(), "/v1/agent/checks").json().get("service:echo-1");
    assertThat(check.get("Type").asText()).isEqualTo("grpc");
    assertThat(check.get("Status").asText()).isEqualTo("critical");
    assertThat(check.get("Definition").get("GRPC").asText()).isEqualTo("127.0.0.1:9000/echo.Echo");
    assertThat(check.get("Definition").get("GRPCUseTLS").asBoolean()).isTrue();
    assertThat(Http.get(consul.agent(), "/v1/health/service/echo?passing").json().size())
        .as("a critical check keeps the instance out of ?passing").isZero();
  }

  @Test
  void aGivenStatusIsKeptSinceTheCheckNeverRuns() {
    register("{\"Name\":\"echo\",\"ID\":\"echo-1\",\"Port\":9000,\"Check\":{\"GRPC\":\"127.0.0.1:1\","
        + "\"Interval\":\"1s\",\"Status\":\"passing\"}}");
    JsonNode check = Http.get(consul.agent(), "/v1/agent/checks").json().get("service:echo-1");
    assertThat(check.get("Status").asText()).isEqualTo("passing");
    assertThat(check.get("Definition").has("GRPCUseTLS")).as("false is Go's zero value, omitted").isFalse();
    assertThat(Http.get(consul.agent(), "/v1/health/service/echo?passing").json().size()).isEqualTo(1);
  }

  @Test
  void aGrpcCheckWithoutIntervalIsRefusedWithConsulsText() {
    Http.Response r = register("{\"Name\":\"echo\",\"Check\":{\"GRPC\":\"127.0.0.1:9000\"}}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("Invalid check: Interval must be > 0");
  }
}
