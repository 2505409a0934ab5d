package dev.discovery.mesos.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.mesos.Fixtures;
import dev.discovery.mesos.state.MesosState;
import dev.discovery.mesos.state.StateParseException;
import dev.discovery.mesos.state.StateParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PlannerTest {
  private static MesosState fixture(String name) throws StateParseException {
    return StateParser.parse(Fixtures.mesos(name));
  }

  private static Plan plan(MesosState state, PlanOptions options) {
    return new Planner(options).plan(state, List.of());
  }

  @Test
  void mesos18TaskUsesAgentIpWithHostPortNotOverlayIp() throws Exception {
    Plan plan = plan(fixture(Fixtures.MESOS_1_8), PlanOptions.defaults());
    assertThat(plan.byHost().keySet()).containsExactly("10.0.0.40", "10.0.6.5");
    DesiredService test = plan.forHost("10.0.0.40").get("mesos-consul:10.0.0.40:test:10.0.0.40:12564");
    // mesos-consul registers 9.0.2.2:12564: the overlay IP with the host port, which nobody can reach.
    assertThat(test).isNotNull();
    assertThat(test.name()).isEqualTo("test");
    assertThat(test.address()).isEqualTo("10.0.0.40");
    assertThat(test.port()).isEqualTo(12564);
    assertThat(test.tags()).isEmpty();
    assertThat(test.check()).isNull();
    assertThat(plan.forHost("10.0.0.40")).hasSize(2);
    assertThat(plan.runningTasks()).isEqualTo(1);
  }

  @Test
  void mesos18AgentsRegisterAsMesosFollowers() throws Exception {
    Plan plan = plan(fixture(Fixtures.MESOS_1_8), PlanOptions.defaults());
    DesiredService agent = plan.forHost("10.0.6.5")
        .get("mesos-consul:mesos:31953f3e-15f7-4f83-8d94-c2384f40b723-S0:10.0.6.5");
    assertThat(agent.name()).isEqualTo("mesos");
    assertThat(agent.address()).isEqualTo("10.0.6.5");
    assertThat(agent.port()).isEqualTo(5051);
    assertThat(agent.tags()).containsExactly("agent", "follower");
    assertThat(agent.check().target()).isEqualTo("http://10.0.6.5:5051/slave(1)/health");
    assertThat(agent.check().interval()).isEqualTo("10s");
  }

  @Test
  void containerPortPublishedByMappingBecomesHostPort() throws Exception {
    // The same task, but its discovery port named and given as the container port 80.
    String json = Fixtures.mesosText(Fixtures.MESOS_1_8)
        .replace("\"number\":12564,", "\"number\":80,\"name\":\"http\",")
        .replace("\"network-scope\",\"value\":\"host\"", "\"network-scope\",\"value\":\"\"");
    assertThat(json).contains("\"number\":80,\"name\":\"http\"").doesNotContain("\"value\":\"host\"");
    Plan plan = plan(StateParser.parse(json.getBytes(StandardCharsets.UTF_8)), PlanOptions.defaults());
    Map<String, DesiredService> host = plan.forHost("10.0.0.40");
    DesiredService http = host.get("mesos-consul:10.0.0.40:test:10.0.0.40:12564");
    assertThat(http.tags()).containsExactly("http");
    // The resource port 12564 is that same endpoint: registered once, not twice.
    assertThat(host.values()).filteredOn(s -> s.name().startsWith("test")).hasSize(1);
  }

  @Test
  void fakeFixtureRegistersIpv6AgentAndItsTasks() throws Exception {
    Plan plan = plan(fixture(Fixtures.FAKE), PlanOptions.defaults());
    Map<String, DesiredService> v6 = plan.forHost("2001:db8::1");
    assertThat(v6).containsKeys(
        "mesos-consul:mesos:20140803-194712-3041283216-5050-2116-3:2001:db8::1",
        "mesos-consul:2001:db8::1:toy-store:2001:db8::1:31354",
        "mesos-consul:2001:db8::1:toy-store-port2:2001:db8::1:31355");
    assertThat(v6.get("mesos-consul:mesos:20140803-194712-3041283216-5050-2116-3:2001:db8::1").check().target())
        .isEqualTo("http://[2001:db8::1]:5051/slave(1)/health");
    assertThat(plan.runningTasks()).isEqualTo(9);
  }

  @Test
  void fakeFixtureLiquorStoreMatchesMesosConsulsFourServices() throws Exception {
    Plan plan = plan(fixture(Fixtures.FAKE), PlanOptions.defaults());
    Map<String, DesiredService> h = plan.forHost("1.2.3.11");
    assertThat(h.get("mesos-consul:1.2.3.11:liquor-store:1.2.3.11:80").tags()).containsExactly("http");
    assertThat(h.get("mesos-consul:1.2.3.11:liquor-store-port2:1.2.3.11:443").tags()).containsExactly("https");
    assertThat(h.get("mesos-consul:1.2.3.11:liquor-store:1.2.3.11:31354").tags()).isEmpty();
    assertThat(h.get("mesos-consul:1.2.3.11:liquor-store-port2:1.2.3.11:31355")).isNotNull();
    assertThat(h.values()).filteredOn(s -> s.name().startsWith("liquor-store")).hasSize(4);
    DesiredService nginx = h.get("mesos-consul:1.2.3.11-nginx:10.3.0.3");
    assertThat(nginx.port()).isZero();
    assertThat(nginx.address()).isEqualTo("10.3.0.3");
    assertThat(h.keySet()).noneMatch(id -> id.contains("poseidon"));
  }

  @Test
  void ipOrderDockerUsesContainerIpOnlyForPortlessOrContainerPorts() throws Exception {
    PlanOptions docker = PlanOptions.builder().ipOrder(IpSource.parseOrder("docker,host")).build();
    Plan plan = plan(fixture(Fixtures.FAKE), docker);
    Map<String, DesiredService> h = plan.forHost("1.2.3.11");
    // Discovery ports 80/443 are not host ports: the container IP from the latest running status.
    assertThat(h).containsKey("mesos-consul:1.2.3.11:liquor-store:10.3.0.1:80");
    // Resource ports are host ports: never paired with the Docker IP.
    assertThat(h).containsKey("mesos-consul:1.2.3.11:liquor-store:1.2.3.11:31354");
    assertThat(h.keySet()).noneMatch(id -> id.endsWith("10.3.0.1:31354"));
  }

  @Test
  void mesos10FixtureExpandsEtcdPortsAndRegistersPortlessCniTask() throws Exception {
    Plan plan = plan(fixture(Fixtures.MESOS_1_0), PlanOptions.defaults());
    Map<String, DesiredService> h = plan.forHost("192.168.65.111");
    assertThat(h).containsKeys("mesos-consul:192.168.65.111:etcd:192.168.65.111:24618",
        "mesos-consul:192.168.65.111:etcd-port2:192.168.65.111:24619",
        "mesos-consul:192.168.65.111:etcd-port3:192.168.65.111:24620",
        "mesos-consul:192.168.65.111:calico:192.168.65.111:10003",
        "mesos-consul:192.168.65.111-test-mesos-cni:192.168.246.11");
    // mesos-consul leaves a trailing '-' here; a DNS label cannot end with one.
    assertThat(h.values()).extracting(DesiredService::name)
        .contains("task-runcaliconode-b3213de4-9aa5-4df2-8fcd-3ac63c9c9209");
    assertThat(plan.warnings()).isEmpty();
  }

  @Test
  void seedArgsBlacklistAndSharedServiceName() throws Exception {
    PlanOptions seed = PlanOptions.builder()
        .blacklist(Pattern.compile("task.*"))
        .sharedServiceNames(List.of(Pattern.compile("(KafkaMesos)-.*")))
        .build();
    String json = Fixtures.mesosText(Fixtures.MESOS_1_0)
        .replace("\"name\": \"etcd\",", "\"name\": \"KafkaMesos-broker-1\",")
        .replace("\"name\": \"calico\",", "\"name\": \"KafkaMesos-broker-2\",");
    Plan plan = plan(StateParser.parse(json.getBytes(StandardCharsets.UTF_8)), seed);
    List<String> names = new ArrayList<>();
    plan.byHost().values().forEach(m -> m.values().forEach(s -> names.add(s.name())));
    assertThat(names).noneMatch(n -> n.startsWith("task"));
    assertThat(names).contains("kafkamesos", "kafkamesos-port2", "etcd-server", "test-mesos-cni");
    assertThat(plan.forHost("192.168.65.111"))
        .containsKeys("mesos-consul:192.168.65.111:kafkamesos:192.168.65.111:24618",
            "mesos-consul:192.168.65.111:kafkamesos:192.168.65.111:10003");
  }

  @Test
  void whitelistAndFrameworkFilters() throws Exception {
    PlanOptions only = PlanOptions.builder().whitelist(Pattern.compile("^liquor")).build();
    Plan plan = plan(fixture(Fixtures.FAKE), only);
    List<String> names = new ArrayList<>();
    plan.byHost().values().forEach(m -> m.values().forEach(s -> names.add(s.name())));
    assertThat(names).containsOnly("mesos", "liquor-store", "liquor-store-port2");

    PlanOptions noMarathon = PlanOptions.builder().fwBlacklist(Pattern.compile("^marathon$")).build();
    Plan p2 = plan(fixture(Fixtures.FAKE), noMarathon);
    List<String> n2 = new ArrayList<>();
    p2.byHost().values().forEach(m -> m.values().forEach(s -> n2.add(s.name())));
    assertThat(n2).contains("toy-store", "some-box").doesNotContain("liquor-store", "nginx");

    PlanOptions fwWhite = PlanOptions.builder().fwWhitelist(Pattern.compile("MIXED CASE")).build();
    List<String> n3 = new ArrayList<>();
    plan(fixture(Fixtures.FAKE), fwWhite).byHost().values().forEach(m -> m.values().forEach(s -> n3.add(s.name())));
    assertThat(n3).containsOnly("mesos", "some-box");
  }

  @Test
  void labelsGiveTagsChecksAndOverrideName() throws Exception {
    String json = "{\"slaves\":[{\"id\":\"s1\",\"hostname\":\"h1\",\"pid\":\"slave(1)@10.0.0.1:5051\"}],"
        + "\"frameworks\":[{\"name\":\"marathon\",\"tasks\":[{\"id\":\"web.1\",\"name\":\"web\",\"slave_id\":\"s1\","
        + "\"state\":\"TASK_RUNNING\",\"resources\":{\"ports\":\"[31000-31001]\"},"
        + "\"labels\":[{\"key\":\"tags\",\"value\":\"a, b,,a\"},{\"key\":\"overrideTaskName\",\"value\":\"Front_End\"},"
        + "{\"key\":\"CHECK_HTTP\",\"value\":\"http://{host}:{port}/ping\"},{\"key\":\"check_interval\",\"value\":\"5s\"}],"
        + "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":1}]}]}]}";
    PlanOptions opts = PlanOptions.builder().taskTags(List.of(TaskTag.parse("FRONT:edge,public"))).build();
    Plan plan = plan(StateParser.parse(json.getBytes(StandardCharsets.UTF_8)), opts);
    DesiredService s = plan.forHost("10.0.0.1").get("mesos-consul:10.0.0.1:frontend-port2:10.0.0.1:31001");
    assertThat(s.tags()).containsExactly("a", "b", "edge", "public");
    assertThat(s.check().kind()).isEqualTo(HealthCheck.Kind.HTTP);
    assertThat(s.check().target()).isEqualTo("http://10.0.0.1:31001/ping");
    assertThat(s.check().interval()).isEqualTo("5s");
    assertThat(s.meta()).containsEntry("mesos-task-id", "web.1");
  }

  @Test
  void servicePortLabelSelectsResourcePortsByIndex() throws Exception {
    String json = "{\"slaves\":[{\"id\":\"s1\",\"pid\":\"slave(1)@10.0.0.1:5051\"}],"
        + "\"frameworks\":[{\"tasks\":[{\"id\":\"t\",\"name\":\"db\",\"slave_id\":\"s1\",\"state\":\"TASK_RUNNING\","
        + "\"resources\":{\"ports\":\"[31000-31002]\"},\"labels\":[{\"key\":\"expose\",\"value\":\"2\"}]}]}]}";
    Plan plan = plan(StateParser.parse(json.getBytes(StandardCharsets.UTF_8)),
        PlanOptions.builder().servicePortLabel("expose").build());
    assertThat(plan.forHost("10.0.0.1").keySet()).containsExactlyInAnyOrder(
        "mesos-consul:mesos:s1:", "mesos-consul:10.0.0.1:db:10.0.0.1:31002");
  }

  @Test
  void unhealthyTaskAsksForMaintenanceAndUnknownAgentTasksAreSkipped() throws Exception {
    String json = "{\"slaves\":[{\"id\":\"s1\",\"pid\":\"slave(1)@10.0.0.1:5051\"},{\"id\":\"bad\",\"pid\":\"??\"}],"
        + "\"frameworks\":[{\"tasks\":["
        + "{\"id\":\"t1\",\"name\":\"db\",\"slave_id\":\"s1\",\"state\":\"TASK_RUNNING\",\"resources\":{\"ports\":\"[1-1]\"},"
        + "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":2,\"healthy\":false},"
        + "{\"state\":\"TASK_RUNNING\",\"timestamp\":1,\"healthy\":true}]},"
        + "{\"id\":\"t2\",\"name\":\"gone\",\"slave_id\":\"s9\",\"state\":\"TASK_RUNNING\"}]}]}";
    Plan plan = plan(StateParser.parse(json.getBytes(StandardCharsets.UTF_8)), PlanOptions.defaults());
    DesiredService db = plan.forHost("10.0.0.1").get("mesos-consul:10.0.0.1:db:10.0.0.1:1");
    assertThat(db.unhealthy()).isTrue();
    assertThat(db.maintenanceReason()).contains("t1");
    assertThat(plan.runningTasks()).isEqualTo(1);
    assertThat(plan.warnings()).singleElement().asString().contains("agent bad");
  }

  @Test
  void mastersRegisterWithLeaderTagsAndServiceTags() throws Exception {
    PlanOptions opts = PlanOptions.builder().serviceTags(List.of("dev")).build();
    Plan plan = new Planner(opts).plan(fixture(Fixtures.MESOS_1_8),
        List.of(new MesosMaster("10.0.5.220", 5050, true), new MesosMaster("10.0.5.221", 5050, false)));
    DesiredService leader = plan.forHost("10.0.5.220").get("mesos-consul:mesos:10.0.5.220:5050");
    assertThat(leader.tags()).containsExactly("leader.dev", "master.dev");
    assertThat(leader.check().target()).isEqualTo("http://10.0.5.220:5050/master/health");
    assertThat(plan.forHost("10.0.5.221").get("mesos-consul:mesos:10.0.5.221:5050").tags())
        .containsExactly("master.dev");
  }

  @Test
  void planIsLinearEnoughForTenThousandTasks() throws Exception {
    StringBuilder sb = new StringBuilder("{\"slaves\":[");
    for (int a = 0; a < 100; a++) {
      sb.append(a == 0 ? "" : ",").append("{\"id\":\"s").append(a).append("\",\"pid\":\"slave(1)@10.1.")
          .append(a / 250).append('.').append(a % 250 + 1).append(":5051\"}");
    }
    sb.append("],\"frameworks\":[{\"name\":\"marathon\",\"tasks\":[");
    for (int t = 0; t < 10_000; t++) {
      sb.append(t == 0 ? "" : ",").append("{\"id\":\"app").append(t).append(".x\",\"name\":\"app")
          .append(t % 500).append("\",\"slave_id\":\"s").append(t % 100).append("\",\"state\":\"TASK_RUNNING\",")
          .append("\"resources\":{\"ports\":\"[").append(20000 + t).append('-').append(20000 + t).append("]\"}}");
    }
    sb.append("]}]}");
    MesosState state = StateParser.parse(sb.toString().getBytes(StandardCharsets.UTF_8));
    Plan plan = plan(state, PlanOptions.defaults());
    assertThat(plan.serviceCount()).isEqualTo(10_100);
    assertThat(plan.byHost()).hasSize(100);
    assertThat(plan.runningTasks()).isEqualTo(10_000);
  }
}
