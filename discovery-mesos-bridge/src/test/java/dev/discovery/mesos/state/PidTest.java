package dev.discovery.mesos.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PidTest {
  @Test
  void parsesIpv4Ipv6AndHostnames() {
    assertThat(Pid.parse("slave(1)@10.0.0.40:5051")).contains(new Pid("slave(1)", "10.0.0.40", 5051));
    assertThat(Pid.parse("scheduler(1)@[2001:db8::1]:25501")).contains(new Pid("scheduler(1)", "2001:db8::1", 25501));
    assertThat(Pid.parse("master@mesos-1.example.com:5050")).contains(new Pid("master", "mesos-1.example.com", 5050));
  }

  @Test
  void garbageIsEmptyNotAnException() {
    assertThat(Pid.parse(null)).isEmpty();
    assertThat(Pid.parse("no-at-sign")).isEmpty();
    assertThat(Pid.parse("slave(1)@10.0.0.1")).isEmpty();
    assertThat(Pid.parse("slave(1)@10.0.0.1:99999")).isEmpty();
    assertThat(Pid.parse("slave(1)@2001:db8::1:5051")).isEmpty();
    assertThat(Pid.parse("slave(1)@[2001:db8::1]5051")).isEmpty();
  }
}
