package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The budget's size: halved by a 429 (once per burst), one back per grow-back period, never above the maximum. */
class BudgetLimitTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aRejectionHalvesOncePerBurstAndTheLimitGrowsBackOneAtATime() {
    BudgetLimit limit = new BudgetLimit(16, 30 * SECOND, SECOND, 0);
    assertThat(limit.current(0)).isEqualTo(16);
    assertThat(limit.rejected(10)).isTrue();
    assertThat(limit.current(10)).isEqualTo(8);
    // The rest of the same burst: no further cut.
    assertThat(limit.rejected(20)).isFalse();
    assertThat(limit.current(20)).isEqualTo(8);
    // Another overload after the cool-down: cut again.
    assertThat(limit.rejected(10 + SECOND)).isTrue();
    long cut = 10 + SECOND;
    assertThat(limit.current(cut)).isEqualTo(4);
    assertThat(limit.current(cut + 30 * SECOND - 1)).isEqualTo(4);
    assertThat(limit.current(cut + 30 * SECOND)).isEqualTo(5);
    assertThat(limit.current(cut + 90 * SECOND)).isEqualTo(7);
    assertThat(limit.current(cut + 3600 * SECOND)).isEqualTo(16);
    assertThat(limit.current(cut + 7200 * SECOND)).isEqualTo(16);
  }

  @Test
  void neverBelowOne() {
    BudgetLimit limit = new BudgetLimit(2, SECOND, 0, 0);
    limit.rejected(1);
    limit.rejected(2);
    limit.rejected(3);
    assertThat(limit.current(3)).isEqualTo(1);
    assertThatThrownBy(() -> new BudgetLimit(0, SECOND, 0, 0)).hasMessageContaining("at least 1");
  }

  @Test
  void lanesAndSlotsShareTheLimit() {
    assertThat(BudgetLimit.lanes(1)).isEqualTo(1);
    assertThat(BudgetLimit.slots(1)).isZero();
    assertThat(BudgetLimit.slots(2)).isEqualTo(1);
    assertThat(BudgetLimit.lanes(10)).isEqualTo(1);
    assertThat(BudgetLimit.slots(10)).isEqualTo(9);
    assertThat(BudgetLimit.lanes(64)).isEqualTo(4);
    assertThat(BudgetLimit.slots(64)).isEqualTo(60);
    assertThat(BudgetLimit.lanes(200)).isEqualTo(4);
  }

  @Test
  void overHttp2EachConnectionCountsForTheStreamsEveryConformingServerAllows() {
    // RFC 9113 asks for at least 100 concurrent streams; Go's server (Consul's) allows 250.
    assertThat(BudgetLimit.multiplexedSlots(64)).isEqualTo(64 * 100 - 4);
    assertThat(BudgetLimit.multiplexedSlots(1)).isEqualTo(99);
    assertThat(BudgetLimit.multiplexedSlots(1)).isGreaterThan(BudgetLimit.slots(64));
  }
}
