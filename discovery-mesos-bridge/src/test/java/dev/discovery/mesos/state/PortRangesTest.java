package dev.discovery.mesos.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PortRangesTest {
  @Test
  void expandsRangesLikeMesosConsulsOwnTest() {
    assertThat(PortRanges.parse("[31111-31111, 31115-31117]")).containsExactly(31111, 31115, 31116, 31117);
  }

  @Test
  void emptyFormsAreEmpty() {
    assertThat(PortRanges.parse("[]")).isEmpty();
    assertThat(PortRanges.parse("")).isEmpty();
    assertThat(PortRanges.parse(null)).isEmpty();
  }

  @Test
  void bareNumberIsOnePortInsteadOfACrash() {
    assertThat(PortRanges.parse("[8080]")).containsExactly(8080);
  }

  @Test
  void nonsenseIsRefused() {
    assertThatThrownBy(() -> PortRanges.parse("[5-3]")).hasMessageContaining("5-3");
    assertThatThrownBy(() -> PortRanges.parse("[1-70000]")).hasMessageContaining("1-70000");
    assertThatThrownBy(() -> PortRanges.parse("[1-2")).hasMessageContaining("unbalanced");
    assertThatThrownBy(() -> PortRanges.parse("[1-65535]")).hasMessageContaining("more than");
  }
}
