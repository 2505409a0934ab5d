package dev.discovery.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.Health;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServiceRegistrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void encodesTheDocumentedPayloadShape() throws Exception {
    ServiceRegistration reg = ServiceRegistration.builder("redis").id("redis1").address("127.0.0.1").port(8000)
        .tags("primary", "v1").meta("redis_version", "4.0").weights(10, 1)
        .check(CheckDefinition.tcp("127.0.0.1:8000", Duration.ofSeconds(10)).timeout(Duration.ofSeconds(5))
            .deregisterCriticalServiceAfter(Duration.ofMinutes(90)))
        .build();
    JsonNode ours = JSON.readTree(AgentJson.registration(reg));
    JsonNode doc = JSON.readTree(Fixtures.consul("agent-service-register-payload.json"));
    for (String field : new String[] {"ID", "Name", "Tags", "Address", "Port", "Meta", "EnableTagOverride", "Weights"}) {
      assertThat(ours.get(field)).as(field).isEqualTo(doc.get(field));
    }
    JsonNode check = ours.get("Checks").get(0);
    assertThat(check.get("TCP").asText()).isEqualTo("127.0.0.1:8000");
    assertThat(check.get("Interval").asText()).isEqualTo(doc.get("Check").get("Interval").asText());
    assertThat(check.get("Timeout").asText()).isEqualTo(doc.get("Check").get("Timeout").asText());
    assertThat(check.get("DeregisterCriticalServiceAfter").asText()).isEqualTo("90m");
    assertThat(check.get("CheckID").asText()).isEqualTo("service:redis1");
  }

  @Test
  void goDurationsAreExact() {
    assertThat(GoDuration.format(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(GoDuration.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(GoDuration.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(GoDuration.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(GoDuration.format(Duration.ofNanos(1500))).isEqualTo("1500ns");
  }

  @Test
  void checkIdsFollowConsulsGeneration() {
    ServiceRegistration one = ServiceRegistration.builder("web").id("web-1")
        .check(CheckDefinition.ttl(Duration.ofSeconds(10))).build();
    assertThat(one.checkIds()).containsExactly("service:web-1");
    ServiceRegistration two = ServiceRegistration.builder("web")
        .check(CheckDefinition.ttl(Duration.ofSeconds(10)))
        .check(CheckDefinition.http("http://10.0.0.5:8080/health", Duration.ofSeconds(5)))
        .check(CheckDefinition.ttl(Duration.ofSeconds(3)).id("custom"))
        .build();
    assertThat(two.id()).isEqualTo("web");
    assertThat(two.checkIds()).containsExactly("service:web:1", "service:web:2", "custom");
  }

  @Test
  void invalidRegistrationsNameTheField() {
    assertThatThrownBy(() -> ServiceRegistration.builder(" ")).hasMessageContaining("service name");
    assertThatThrownBy(() -> ServiceRegistration.builder("web").port(70000)).hasMessageContaining("port");
    assertThatThrownBy(() -> ServiceRegistration.builder("web").port(-1)).hasMessageContaining("port");
    assertThatThrownBy(() -> ServiceRegistration.builder("web").address("0.0.0.0")).hasMessageContaining("address");
    assertThatThrownBy(() -> ServiceRegistration.builder("web").id("a/b")).hasMessageContaining("service id");
    assertThatThrownBy(() -> ServiceRegistration.builder("web").weights(0, 1)).hasMessageContaining("weights.passing");
    assertThatThrownBy(() -> ServiceRegistration.builder("web").meta("consul-x", "v")).hasMessageContaining("meta key");
    assertThatThrownBy(() -> CheckDefinition.ttl(Duration.ofSeconds(-1))).hasMessageContaining("check ttl");
    assertThatThrownBy(() -> CheckDefinition.http("ftp://x/", Duration.ofSeconds(1))).hasMessageContaining("check http url");
    assertThatThrownBy(() -> CheckDefinition.tcp("host", Duration.ofSeconds(1))).hasMessageContaining("check tcp");
    assertThatThrownBy(() -> CheckDefinition.tcp("h:1", Duration.ZERO)).hasMessageContaining("check interval");
    assertThatThrownBy(() -> CheckDefinition.ttl(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(1)))
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> CheckDefinition.ttl(Duration.ofSeconds(1)).initialStatus(Health.UNKNOWN))
        .hasMessageContaining("initialStatus");
    assertThatThrownBy(() -> ServiceRegistration.builder("web")
        .check(CheckDefinition.ttl(Duration.ofSeconds(1)).id("x"))
        .check(CheckDefinition.ttl(Duration.ofSeconds(2)).id("x")).build())
        .hasMessageContaining("same check id");
  }

  @Test
  void parsesTheAgentServicesSample() {
    var services = AgentJson.services(Fixtures.consul("agent-services.json").getBytes());
    assertThat(services).hasSize(1);
    AgentService s = services.get(0);
    assertThat(s.id()).isEqualTo("redis");
    assertThat(s.name()).isEqualTo("redis");
    assertThat(s.port()).isEqualTo(8000);
    assertThat(s.address()).isEmpty();
    assertThat(s.meta()).containsEntry("redis_version", "4.0");
    assertThat(s.passingWeight()).isEqualTo(10);
    assertThat(s.warningWeight()).isEqualTo(1);
    assertThat(s.datacenter()).isEqualTo("dc1");
  }

  @Test
  void rejectsWrongTypesInAgentServices() {
    assertThatThrownBy(() -> AgentJson.services("{\"a\":{\"ID\":\"a\",\"Service\":\"a\",\"Port\":\"80\"}}".getBytes()))
        .hasMessageContaining("Port");
    assertThatThrownBy(() -> AgentJson.services("{\"a\":{\"Service\":\"a\"}}".getBytes()))
        .hasMessageContaining("ID");
    assertThatThrownBy(() -> AgentJson.services("[]".getBytes())).hasMessageContaining("object");
  }
}
