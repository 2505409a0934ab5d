package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The blocking-query loop's budget: a burst after a quiet spell goes at once, a service that keeps changing is
 * held to one request per interval, with a clock the test moves.
 */
class RequestBudgetTest {
  private static final long MS = 1_000_000;
  private static final long INTERVAL = 250 * MS;

  @Test
  void afterAQuietSecondABurstOfFiveChangesIsFetchedAtOnce() {
    RequestBudget budget = new RequestBudget(INTERVAL, 0);
    long now = 1_000 * MS; // the first blocking query was parked for a second
    for (int change = 0; change < RequestBudget.BURST; change++) {
      assertThat(budget.take(now)).as("request %d of the burst", change).isZero();
      now += 20 * MS; // changes 20 ms apart, each answered at once
    }
    assertThat(budget.take(now)).as("past the burst: waits for the borrowed intervals")
        .isEqualTo(RequestBudget.BURST * INTERVAL - RequestBudget.BURST * 20 * MS);
  }

  @Test
  void aQuietSpellForgivesWhatTheLastBurstBorrowed() {
    RequestBudget budget = new RequestBudget(INTERVAL, 0);
    long now = 0;
    for (int i = 0; i < 20; i++) {
      now += budget.take(now) + MS; // a service that keeps changing
    }
    long wait = budget.take(now); // this request goes after its wait...
    now += wait + 999 * MS; // ...and is parked for 999 ms
    assertThat(budget.take(now)).as("its slot has come").isZero();
    assertThat(budget.take(now + MS)).as("parked just under a second is not quiet: no new burst").isPositive();
    now += 2 * INTERVAL + RequestBudget.QUIET_INTERVALS * INTERVAL; // sent by now, then parked a whole second
    for (int i = 0; i < RequestBudget.BURST; i++) {
      assertThat(budget.take(now + i * MS)).as("request %d after the quiet second", i).isZero();
    }
  }

  @Test
  void aServiceChangingEvery10MsForAMinuteIsAskedOncePerInterval() {
    RequestBudget budget = new RequestBudget(INTERVAL, 0);
    long start = 5_000 * MS; // after a quiet spell: the burst is available
    long now = start;
    int sent = 0;
    while (now - start < 60_000 * MS) {
      now += budget.take(now); // the request goes
      sent++;
      now += 10 * MS; // and the next change answers it 10 ms later
    }
    // 60 s / 250 ms = 240 slots, plus the first request at the start: the burst only moved slots forward.
    assertThat(sent).isLessThanOrEqualTo(241).isGreaterThanOrEqualTo(235);
  }

  @Test
  void zeroIntervalNeverWaits() {
    RequestBudget budget = new RequestBudget(0, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(budget.take(i)).isZero();
    }
  }
}
