package dev.discovery.mesos.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ZkUrlTest {
  @Test
  void splitsHostsAndPath() {
    ZkUrl u = ZkUrl.parse("zk://zookeeper.service:2181/mesos");
    assertThat(u.connectString()).isEqualTo("zookeeper.service:2181");
    assertThat(u.path()).isEqualTo("/mesos");
    ZkUrl many = ZkUrl.parse("zk://u:secret@h1:2181,h2:2181/a/mesos/");
    assertThat(many.connectString()).isEqualTo("h1:2181,h2:2181");
    assertThat(many.path()).isEqualTo("/a/mesos");
    assertThat(many.credentials()).isEqualTo("u:secret");
    assertThat(many.toString()).doesNotContain("secret");
  }

  @Test
  void refusesUrlWithoutPathOrScheme() {
    assertThatThrownBy(() -> ZkUrl.parse("zk://h1:2181")).hasMessageContaining("no path");
    assertThatThrownBy(() -> ZkUrl.parse("zk://h1:2181/")).hasMessageContaining("no path");
    assertThatThrownBy(() -> ZkUrl.parse("h1:2181/mesos")).hasMessageContaining("zk://");
    assertThatThrownBy(() -> ZkUrl.parse("zk:///mesos")).hasMessageContaining("no host");
  }
}
