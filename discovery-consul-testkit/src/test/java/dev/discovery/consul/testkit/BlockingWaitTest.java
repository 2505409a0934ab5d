package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The {@code wait} of a blocking query as Consul reads it: 5m when absent, at most 10m, and a random extra of up to
 * wait/16 so that many clients started together do not all return at the same moment.
 */
class BlockingWaitTest {

  private static Duration timeout(String query) {
    return Duration.ofNanos(HttpApi.blocking(QueryParams.parse(query)).timeoutNanos());
  }

  @RepeatedTest(20)
  void aGivenWaitIsHonouredPlusUpToOneSixteenthOfJitter() {
    assertThat(timeout("index=7&wait=32s")).isBetween(Duration.ofSeconds(32), Duration.ofSeconds(34));
  }

  @RepeatedTest(20)
  void noWaitMeansFiveMinutesAndMoreThanTenIsCappedAtTen() {
    assertThat(timeout("index=7")).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(5).plusMillis(18_750));
    assertThat(timeout("index=7&wait=1h")).isBetween(Duration.ofMinutes(10), Duration.ofMinutes(10).plusMillis(37_500));
  }

  @Test
  void aQueryWhoseWaitRunsOutWithoutAChangeReturnsTheSameIndexAndBody() {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      Http.Response first = Http.get(agent, "/v1/health/service/consul");
      long started = System.nanoTime();
      Http.Response second = Http.get(agent, "/v1/health/service/consul?index=" + first.index() + "&wait=1s");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("held until the wait ran out")
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      assertThat(second.status()).isEqualTo(200);
      assertThat(second.index()).isEqualTo(first.index());
      assertThat(second.body()).isEqualTo(first.body());
    }
  }

  @Test
  void jitterIsActuallyRandom() {
    long first = HttpApi.blocking(QueryParams.parse("index=1&wait=10m")).timeoutNanos();
    boolean varied = false;
    for (int i = 0; i < 50 && !varied; i++) {
      varied = HttpApi.blocking(QueryParams.parse("index=1&wait=10m")).timeoutNanos() != first;
    }
    assertThat(varied).as("50 reads of the same wait all had the same jitter").isTrue();
  }

  @Test
  void theIndexIsReadAndBadValuesAreRefusedAsConsulDoes() {
    assertThat(HttpApi.blocking(QueryParams.parse("index=18446744073709551615")).index()).isEqualTo(-1L);
    assertThatThrownBy(() -> HttpApi.blocking(QueryParams.parse("index=abc")))
        .isInstanceOf(ApiException.class).hasMessageContaining("Invalid index");
    assertThatThrownBy(() -> HttpApi.blocking(QueryParams.parse("index=1&wait=soon")))
        .isInstanceOf(ApiException.class).hasMessageContaining("Invalid wait time");
  }
}
