package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The blocking-query index rule every watch and catalog read follows. */
class ConsulIndexTest {
  @Test
  void indexResetsWhenItGoesBackwardsOrIsNotPositive() {
    assertThat(ConsulIndex.next(0, "10")).isEqualTo(10);
    assertThat(ConsulIndex.next(10, "12")).isEqualTo(12);
    assertThat(ConsulIndex.next(10, "10")).isEqualTo(10);
    assertThat(ConsulIndex.next(10, " 11 ")).isEqualTo(11);
    assertThat(ConsulIndex.next(10, "3")).isZero();
    assertThat(ConsulIndex.next(10, "0")).isZero();
    assertThat(ConsulIndex.next(10, "-5")).isZero();
    assertThat(ConsulIndex.next(10, null)).isZero();
    assertThat(ConsulIndex.next(10, "abc")).isZero();
  }
}
