package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What each status from Consul means, decided once for the discovery backend and {@code ConsulAgent}. */
class AgentStatusTest {
  @Test
  void statusesAndConsulsTextsMapToTheirMeaning() {
    assertThat(AgentStatus.of(200, "")).isEqualTo(AgentStatus.OK);
    assertThat(AgentStatus.of(400, "Bad request")).isEqualTo(AgentStatus.BAD_REQUEST);
    assertThat(AgentStatus.of(403, "ACL not found")).isEqualTo(AgentStatus.TOKEN_REFUSED);
    assertThat(AgentStatus.of(404, null)).isEqualTo(AgentStatus.NOT_FOUND);
    assertThat(AgentStatus.of(429, "Your IP is issuing too many concurrent connections"))
        .isEqualTo(AgentStatus.RATE_LIMITED);
    assertThat(AgentStatus.of(500, "No path to datacenter")).isEqualTo(AgentStatus.UNKNOWN_DATACENTER);
    assertThat(AgentStatus.of(500, "rpc error making call: Failed to create boolean expression evaluator: x"))
        .isEqualTo(AgentStatus.INVALID_FILTER);
    assertThat(AgentStatus.of(500, "rpc error: No cluster leader")).isEqualTo(AgentStatus.SERVER_ERROR);
    assertThat(AgentStatus.of(503, null)).isEqualTo(AgentStatus.SERVER_ERROR);
    assertThat(AgentStatus.of(418, null)).isEqualTo(AgentStatus.OTHER);
  }

  @Test
  void onlyRateLimitsAndServerErrorsAreWorthRetrying() {
    assertThat(AgentStatus.RATE_LIMITED.isTransient()).isTrue();
    assertThat(AgentStatus.SERVER_ERROR.isTransient()).isTrue();
    assertThat(AgentStatus.TOKEN_REFUSED.isTransient()).isFalse();
    assertThat(AgentStatus.INVALID_FILTER.isTransient()).isFalse();
    assertThat(AgentStatus.UNKNOWN_DATACENTER.isTransient()).isFalse();
  }

  @Test
  void onlyAMalformedRequestOrFilterStopsAWatch() {
    assertThat(AgentStatus.INVALID_FILTER.rejectsRequest()).isTrue();
    assertThat(AgentStatus.BAD_REQUEST.rejectsRequest()).isTrue();
    for (AgentStatus s : new AgentStatus[] {AgentStatus.TOKEN_REFUSED, AgentStatus.UNKNOWN_DATACENTER,
        AgentStatus.SERVER_ERROR, AgentStatus.RATE_LIMITED, AgentStatus.NOT_FOUND, AgentStatus.OTHER}) {
      assertThat(s.rejectsRequest()).as(s.name()).isFalse();
    }
    assertThat(AgentStatus.of(500, "something about a boolean expression")).isEqualTo(AgentStatus.SERVER_ERROR);
  }

  @Test
  void consulsTextIsQuotedOnOneBoundedLine() {
    assertThat(AgentStatus.quote("  Permission denied\n")).isEqualTo("Permission denied");
    assertThat(AgentStatus.quote(null)).isEmpty();
    assertThat(AgentStatus.quote("x".repeat(2000))).hasSize(AgentStatus.MAX_QUOTED + 3).endsWith("...");
  }
}
