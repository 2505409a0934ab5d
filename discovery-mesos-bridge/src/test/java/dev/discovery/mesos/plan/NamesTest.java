package dev.discovery.mesos.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void cleanNameMatchesMesosConsul() {
    assertThat(Names.cleanName("liquor.store", "")).isEqualTo("liquor-store");
    assertThat(Names.cleanName("my_group_app", "")).isEqualTo("mygroupapp");
    assertThat(Names.cleanName("my_group_app", "-")).isEqualTo("my-group-app");
    assertThat(Names.cleanName("Task(RunCalicoNode-B3)", "")).isEqualTo("task-runcaliconode-b3-");
  }

  @Test
  void serviceNamesAreDnsLabels() {
    assertThat(Names.serviceName("Task(RunCalicoNode-B3)", "")).isEqualTo("task-runcaliconode-b3");
    assertThat(Names.serviceName("/a/b/app", "")).isEqualTo("a-b-app");
    assertThat(Names.serviceName("my_group_app", ".")).isEqualTo("my-group-app");
    assertThat(Names.serviceName("x".repeat(100), "")).hasSize(63);
    assertThat(Names.serviceName("((()))", "")).isEmpty();
    assertThat(Names.serviceName("caf\u00e9", "")).isEqualTo("caf");
  }

  @Test
  void portSuffixKeepsLabelLength() {
    assertThat(Names.portName("web", 0)).isEqualTo("web");
    assertThat(Names.portName("web", 2)).isEqualTo("web-port3");
    String longName = Names.portName("y".repeat(63), 1);
    assertThat(longName).hasSize(63).endsWith("-port2");
  }
}
