package dev.discovery.balance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Envoy's zone-aware arithmetic: full local traffic down to 1/1.4 of the zone available, then in proportion. */
class ZoneSplitTest {
  private static double share(int localAvailable, int localExpected, int remoteAvailable) {
    return (double) ZoneSplit.localShare(localAvailable, localExpected, remoteAvailable) / ZoneSplit.SCALE;
  }

  @Test
  void aZoneKeepsEveryPickWhileAtLeast71PercentOfItIsAvailable() {
    assertThat(share(3, 3, 3)).isEqualTo(1.0);
    assertThat(share(8, 10, 10)).isEqualTo(1.0); // 80 %
    assertThat(share(5, 7, 10)).isEqualTo(1.0); // 71.4 % x 1.4 = 1
  }

  @Test
  void belowItThePicksSpillOverInProportion() {
    assertThat(share(2, 3, 3)).isCloseTo(1.4 * 2 / 3, org.assertj.core.data.Offset.offset(1e-4)); // 0.933
    assertThat(share(1, 3, 3)).isCloseTo(1.4 / 3, org.assertj.core.data.Offset.offset(1e-4)); // 0.467
    assertThat(share(1, 10, 10)).isCloseTo(0.14, org.assertj.core.data.Offset.offset(1e-4));
  }

  @Test
  void nothingLeftLocallySpillsAllAndNothingElsewhereKeepsAll() {
    assertThat(share(0, 3, 3)).isZero();
    assertThat(share(1, 3, 0)).isEqualTo(1.0);
    // A zone never seen larger than now is whole, whatever its size.
    assertThat(share(1, 0, 5)).isEqualTo(1.0);
  }
}
