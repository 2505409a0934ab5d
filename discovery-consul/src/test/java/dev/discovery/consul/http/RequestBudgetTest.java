package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The blocking-query loop's token bucket (burst 2, one request per interval), with a clock the test moves. */
class RequestBudgetTest {
  private static final long MS = 1_000_000;

  @Test
  void afterAQuietSpellTwoRequestsGoAtOnceThenOnePerInterval() {
    RequestBudget budget = new RequestBudget(250 * MS, 0);
    assertThat(budget.take(5_000 * MS)).isZero();
    assertThat(budget.take(5_001 * MS)).isZero();
    assertThat(budget.take(5_002 * MS)).isEqualTo(248 * MS);
    // The loop waited those 248 ms and the answer came back at once: the next one waits a whole interval.
    assertThat(budget.take(5_250 * MS)).isEqualTo(250 * MS);
  }

  @Test
  void aLongBlockingQueryRefillsTheBucketButNeverBeyondTwo() {
    RequestBudget budget = new RequestBudget(250 * MS, 0);
    for (int i = 0; i < 10; i++) {
      budget.take(i * MS); // a burst drains it
    }
    assertThat(budget.take(60_000 * MS)).as("a 5-minute style wait refills it").isZero();
    assertThat(budget.take(60_001 * MS)).isZero();
    assertThat(budget.take(60_002 * MS)).as("only two saved up").isPositive();
  }

  @Test
  void aSteadyStreamOfChangesIsAskedOncePerInterval() {
    RequestBudget budget = new RequestBudget(100 * MS, 0);
    long now = 10_000 * MS;
    long sent = 0;
    long waited = 0;
    for (int i = 0; i < 100; i++) {
      long wait = budget.take(now);
      now += wait + MS; // the answer comes 1 ms after the request is sent
      waited += wait;
      sent++;
    }
    // 100 requests: two from the burst, the other 98 at most one per 100 ms.
    assertThat(waited).isGreaterThanOrEqualTo(97 * 100 * MS - 100 * MS);
    assertThat(sent).isEqualTo(100);
  }

  @Test
  void zeroIntervalNeverWaits() {
    RequestBudget budget = new RequestBudget(0, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(budget.take(i)).isZero();
    }
  }
}
