package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AclTest {
  private static final String TOKEN = "secret-token";

  @RegisterExtension
  static final ConsulTestAgentExtension consul = new ConsulTestAgentExtension(() -> ConsulTestAgent.builder()
      .aclToken(TOKEN).aclToken("second-token"));

  @Test
  void tokensAreAcceptedFromTheHeaderTheBearerSchemeAndTheQuery() {
    ConsulTestAgent agent = consul.agent();
    assertThat(Http.put(agent, "/v1/agent/service/register", "{\"Name\":\"web\"}", "X-Consul-Token", TOKEN)
        .status()).isEqualTo(200);
    Http.Response header = Http.get(agent, "/v1/health/service/web", "X-Consul-Token", TOKEN);
    assertThat(header.json().size()).isEqualTo(1);
    assertThat(header.header("X-Consul-Default-ACL-Policy")).isEqualTo("deny");
    assertThat(Http.get(agent, "/v1/health/service/web", "Authorization", "bearer second-token").json().size())
        .isEqualTo(1);
    assertThat(Http.get(agent, "/v1/health/service/web?token=" + TOKEN).json().size()).isEqualTo(1);
  }

  @Test
  void unknownTokenIs403AclNotFound() {
    Http.Response r = Http.get(consul.agent(), "/v1/health/service/web", "X-Consul-Token", "wrong");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("ACL not found");
    assertThat(r.body()).doesNotContain("wrong");
    assertThat(Http.put(consul.agent(), "/v1/agent/service/register", "{\"Name\":\"x\"}", "Authorization",
        "Bearer wrong").status()).isEqualTo(403);
  }

  @Test
  void anonymousReadsAreFilteredAndAnonymousWritesDenied() {
    ConsulTestAgent agent = consul.agent();
    Http.put(agent, "/v1/agent/service/register", "{\"Name\":\"db\"}", "X-Consul-Token", TOKEN);
    Http.Response read = Http.get(agent, "/v1/health/service/db");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.body()).isEqualTo("[]");
    assertThat(read.header("X-Consul-Results-Filtered-By-ACLs")).isNull();
    assertThat(Http.get(agent, "/v1/catalog/services").body()).isEqualTo("{}");
    assertThat(Http.get(agent, "/v1/agent/services").body()).isEqualTo("{}");
    Http.Response write = Http.put(agent, "/v1/agent/service/register", "{\"Name\":\"web\"}");
    assertThat(write.status()).isEqualTo(403);
    assertThat(write.body()).isEqualTo("Permission denied: anonymous token lacks permission 'service:write' on "
        + "\"web\". The anonymous token is used implicitly when a request does not specify a token.");
  }
}
