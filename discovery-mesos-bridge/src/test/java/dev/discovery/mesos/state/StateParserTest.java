package dev.discovery.mesos.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.mesos.Fixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StateParserTest {
  private static MesosState parse(String json) throws StateParseException {
    return StateParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsMesos18FixtureWithPortMappingsAndScopedDiscoveryPort() throws Exception {
    MesosState s = StateParser.parse(Fixtures.mesos(Fixtures.MESOS_1_8));
    assertThat(s.leader()).isEqualTo("master@10.0.5.220:5050");
    assertThat(s.agents()).extracting(Agent::pid).extracting(Pid::host).containsExactlyInAnyOrder("10.0.0.40", "10.0.6.5");
    Task test = s.frameworks().stream().flatMap(f -> f.tasks().stream())
        .filter(t -> t.name().equals("test")).findFirst().orElseThrow();
    assertThat(test.ports()).containsExactly(12564);
    assertThat(test.latestRunningStatus().networkInfos().get(0).ipAddresses()).containsExactly("9.0.2.2");
    assertThat(test.latestRunningStatus().networkInfos().get(0).portMappings())
        .containsExactly(new PortMapping(12564, 80, "tcp"));
    assertThat(test.discovery().ports().get(0).name()).isEmpty();
    assertThat(test.discovery().ports().get(0).labels()).contains(new Label("network-scope", "host"));
    assertThat(test.container().portMappings()).containsExactly(new PortMapping(12564, 80, "tcp"));
    assertThat(test.label("DCOS_SPACE")).isEqualTo("/test");
  }

  @Test
  void readsIpv6PidsInsteadOfFailingTheWholeState() throws Exception {
    MesosState s = StateParser.parse(Fixtures.mesos(Fixtures.FAKE));
    assertThat(s.agents()).hasSize(4);
    Agent v6 = s.agents().stream().filter(a -> a.hostname().equals("2001:db8::1")).findFirst().orElseThrow();
    assertThat(v6.pid()).isEqualTo(new Pid("slave(1)", "2001:db8::1", 5051));
    assertThat(v6.pid().urlHost()).isEqualTo("[2001:db8::1]");
    assertThat(s.taskCount()).isEqualTo(10);
  }

  @Test
  void latestRunningStatusIsByTimestampNotListOrder() throws Exception {
    MesosState s = StateParser.parse(Fixtures.mesos(Fixtures.FAKE));
    Task liquor = s.frameworks().stream().flatMap(f -> f.tasks().stream())
        .filter(t -> t.name().equals("liquor.store")).findFirst().orElseThrow();
    assertThat(liquor.latestRunningStatus().labels())
        .contains(new Label("Docker.NetworkSettings.IPAddress", "10.3.0.1"));
    assertThat(liquor.ports()).containsExactly(31354, 31355);
    assertThat(liquor.discovery().ports()).extracting(DiscoveryPort::name).containsExactly("http", "https");
  }

  @Test
  void readsMesos10FixtureWithNullLabelsAndEmptyDiscoveryPorts() throws Exception {
    MesosState s = StateParser.parse(Fixtures.mesos(Fixtures.MESOS_1_0));
    Task cni = s.frameworks().stream().flatMap(f -> f.tasks().stream())
        .filter(t -> t.name().equals("test-mesos-cni")).findFirst().orElseThrow();
    assertThat(cni.ports()).isEmpty();
    assertThat(cni.labels()).isEmpty();
    assertThat(cni.discovery().ports()).isEmpty();
    assertThat(cni.latestRunningStatus().networkInfos().get(0).ipAddresses()).containsExactly("192.168.246.11");
  }

  @Test
  void wrongTypeNamesTheJsonPath() {
    assertThatThrownBy(() -> parse("{\"slaves\":[],\"frameworks\":[{\"tasks\":[{\"id\":\"a\",\"statuses\":"
        + "[{\"state\":\"TASK_RUNNING\",\"timestamp\":\"yesterday\"}]}]}]}"))
        .isInstanceOf(StateParseException.class)
        .hasMessageContaining("frameworks[0].tasks[0].statuses[0].timestamp")
        .hasMessageContaining("expected a number");
    assertThatThrownBy(() -> parse("{\"slaves\":{}}"))
        .hasMessageContaining("slaves").hasMessageContaining("expected an array");
  }

  @Test
  void somethingThatIsNotAStateIsRefusedNotReadAsAnEmptyCluster() {
    assertThatThrownBy(() -> parse("{}")).isInstanceOf(StateParseException.class)
        .hasMessageContaining("not a master state");
    assertThatThrownBy(() -> parse("<html>401</html>")).isInstanceOf(StateParseException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> parse("")).isInstanceOf(StateParseException.class);
    assertThatThrownBy(() -> parse("[1,2]")).isInstanceOf(StateParseException.class)
        .hasMessageContaining("expected an object");
  }

  @Test
  void badPortRangeNamesTask() {
    assertThatThrownBy(() -> parse("{\"frameworks\":[{\"tasks\":[{\"id\":\"a\",\"resources\":{\"ports\":\"[9-x]\"}}]}]}"))
        .hasMessageContaining("frameworks[0].tasks[0].resources.ports").hasMessageContaining("9-x");
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    MesosState s = parse("{\"future\":{\"x\":1},\"slaves\":[{\"id\":\"s1\",\"pid\":\"slave(1)@10.0.0.1:5051\","
        + "\"new_thing\":[1]}],\"frameworks\":[]}");
    assertThat(s.agents()).hasSize(1);
  }
}
