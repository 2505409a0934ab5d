package dev.discovery.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.discovery.Health;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Consul's GRPC check kind: the fields it sends ({@code GRPC}, {@code GRPCUseTLS}, interval, time-out) and its validation. */
class GrpcCheckDefinitionTest {

  private static JsonNode firstCheck(CheckDefinition check) throws Exception {
    ServiceRegistration reg = ServiceRegistration.builder("echo").id("echo-1").port(9000).check(check).build();
    return AgentJson.MAPPER.readTree(AgentJson.registration(reg)).get("Checks").get(0);
  }

  @Test
  void encodesConsulsGrpcCheckFields() throws Exception {
    JsonNode check = firstCheck(CheckDefinition.grpc("127.0.0.1:9000/echo.Echo", Duration.ofSeconds(10))
        .grpcUseTls(true).timeout(Duration.ofSeconds(2)).initialStatus(Health.PASSING));
    assertThat(check.get("GRPC").asText()).isEqualTo("127.0.0.1:9000/echo.Echo");
    assertThat(check.get("GRPCUseTLS").asBoolean()).isTrue();
    assertThat(check.get("Interval").asText()).isEqualTo("10s");
    assertThat(check.get("Timeout").asText()).isEqualTo("2s");
    assertThat(check.get("Status").asText()).isEqualTo("passing");
    assertThat(check.has("TCP")).isFalse();
    assertThat(check.has("TTL")).isFalse();
  }

  @Test
  void plainTextByDefaultAndTheFlagSurvivesLaterChanges() throws Exception {
    CheckDefinition plain = CheckDefinition.grpc("[::1]:9000", Duration.ofSeconds(5));
    assertThat(plain.kind()).isEqualTo(CheckDefinition.Kind.GRPC);
    assertThat(plain.grpcUseTls()).isFalse();
    assertThat(firstCheck(plain).get("GRPCUseTLS").asBoolean()).isFalse();

    CheckDefinition tls = plain.grpcUseTls(true).id("grpc-1").name("gRPC health").notes("n")
        .deregisterCriticalServiceAfter(Duration.ofMinutes(2)).timeout(Duration.ofSeconds(1));
    assertThat(tls.grpcUseTls()).isTrue();
    assertThat(tls).isNotEqualTo(plain.id("grpc-1").name("gRPC health").notes("n")
        .deregisterCriticalServiceAfter(Duration.ofMinutes(2)).timeout(Duration.ofSeconds(1)));
    assertThat(tls.toString()).contains("grpc=[::1]:9000").contains("tls");
  }

  @Test
  void rejectsMalformedTargetsNamingTheForm() {
    assertThatThrownBy(() -> CheckDefinition.grpc("localhost", Duration.ofSeconds(1)))
        .hasMessageContaining("'localhost'").hasMessageContaining("host:port/service");
    assertThatThrownBy(() -> CheckDefinition.grpc("h:99999/x", Duration.ofSeconds(1)))
        .hasMessageContaining("1..65535");
    assertThatThrownBy(() -> CheckDefinition.grpc("h:1/", Duration.ofSeconds(1)))
        .hasMessageContaining("health service name");
    assertThatThrownBy(() -> CheckDefinition.grpc(" ", Duration.ofSeconds(1))).hasMessageContaining("blank");
    assertThatThrownBy(() -> CheckDefinition.grpc("h:1", Duration.ZERO)).hasMessageContaining("check interval");
    assertThatThrownBy(() -> CheckDefinition.tcp("h:1", Duration.ofSeconds(1)).grpcUseTls(true))
        .hasMessageContaining("gRPC checks only");
  }
}
