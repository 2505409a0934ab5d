package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.OperationException;
import com.ecwid.consul.v1.QueryParams;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.agent.model.NewService;
import com.ecwid.consul.v1.agent.model.Service;
import com.ecwid.consul.v1.health.HealthServicesRequest;
import com.ecwid.consul.v1.health.model.Check;
import com.ecwid.consul.v1.health.model.HealthService;
import dev.discovery.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An independent, widely used Java Consul client (Ecwid consul-api) writes to and reads from the testkit. */
class EcwidClientTest {
  @RegisterExtension
  final ConsulTestAgentExtension consul = new ConsulTestAgentExtension(() -> ConsulTestAgent.builder()
      .nodeName("ecwid-node"));

  private ConsulClient client() {
    return new ConsulClient("127.0.0.1", consul.agent().httpPort());
  }

  private static NewService service(String id, String name, int port, List<String> tags) {
    NewService s = new NewService();
    s.setId(id);
    s.setName(name);
    s.setPort(port);
    s.setAddress("10.0.0.7");
    s.setTags(tags);
    s.setMeta(Map.of("version", "1.2"));
    NewService.Check check = new NewService.Check();
    check.setTtl("30s");
    s.setCheck(check);
    return s;
  }

  private static HealthServicesRequest request(boolean passing, String[] tags, QueryParams params) {
    HealthServicesRequest.Builder b = HealthServicesRequest.newBuilder().setPassing(passing)
        .setQueryParams(params == null ? QueryParams.DEFAULT : params);
    if (tags != null) {
      b.setTags(tags);
    }
    return b.build();
  }

  @Test
  void registersAndReadsBackThroughTheAgentEndpoints() {
    ConsulClient client = client();
    client.agentServiceRegister(service("web-1", "web", 8080, List.of("blue", "v1")));
    Map<String, Service> services = client.getAgentServices().getValue();
    Service web = services.get("web-1");
    assertThat(web.getService()).isEqualTo("web");
    assertThat(web.getPort()).isEqualTo(8080);
    assertThat(web.getAddress()).isEqualTo("10.0.0.7");
    assertThat(web.getTags()).containsExactly("blue", "v1");
    assertThat(web.getMeta()).containsEntry("version", "1.2");

    client.agentServiceDeregister("web-1");
    assertThat(client.getAgentServices().getValue()).doesNotContainKey("web-1");
    assertThatThrownBy(() -> client.agentServiceDeregister("web-1")).isInstanceOf(OperationException.class)
        .satisfies(e -> assertThat(((OperationException) e).getStatusCode()).isEqualTo(404));
  }

  @Test
  void healthWithPassingAndTags() {
    ConsulClient client = client();
    client.agentServiceRegister(service("web-1", "web", 8080, List.of("blue", "v1")));
    client.agentServiceRegister(service("web-2", "web", 8081, List.of("green", "v1")));
    // New checks start critical, as in Consul.
    assertThat(client.getHealthServices("web", request(true, null, null)).getValue()).isEmpty();
    client.agentCheckPass("service:web-1");
    client.agentCheckPass("service:web-2", "ok");

    Response<List<HealthService>> all = client.getHealthServices("web", request(true, null, null));
    assertThat(all.getConsulIndex()).isPositive();
    assertThat(all.isConsulKnownLeader()).isTrue();
    assertThat(all.getConsulLastContact()).isZero();
    assertThat(all.getValue()).extracting(h -> h.getService().getId()).containsExactly("web-1", "web-2");
    HealthService first = all.getValue().get(0);
    assertThat(first.getNode().getNode()).isEqualTo("ecwid-node");
    assertThat(first.getNode().getAddress()).isEqualTo("127.0.0.1");
    assertThat(first.getChecks()).extracting(Check::getStatus).containsOnly(Check.CheckStatus.PASSING);
    assertThat(first.getChecks()).extracting(Check::getCheckId).containsExactlyInAnyOrder("serfHealth",
        "service:web-1");

    List<String> blue = client.getHealthServices("web", request(true, new String[] {"BLUE"}, null)).getValue()
        .stream().map(h -> h.getService().getId()).collect(Collectors.toList());
    assertThat(blue).containsExactly("web-1");
    assertThat(client.getHealthServices("web", request(true, new String[] {"v1", "green"}, null)).getValue())
        .extracting(h -> h.getService().getId()).containsExactly("web-2");

    client.agentCheckFail("service:web-2");
    assertThat(client.getHealthServices("web", request(true, null, null)).getValue())
        .extracting(h -> h.getService().getId()).containsExactly("web-1");
    assertThat(client.getHealthServices("web", request(false, null, null)).getValue()).hasSize(2);
  }

  @Test
  void blockingQueryReturnsOnChangeAndTimesOutWithTheSameIndex() throws Exception {
    ConsulClient client = client();
    client.agentServiceRegister(service("web-1", "web", 8080, List.of()));
    client.agentCheckPass("service:web-1");
    long index = client.getHealthServices("web", request(true, null, null)).getConsulIndex();

    // No change: the query waits for its 1s wait (plus jitter) and returns the same index.
    Response<List<HealthService>> same = client.getHealthServices("web",
        request(true, null, new QueryParams(1, index)));
    assertThat(same.getConsulIndex()).isEqualTo(index);
    assertThat(same.getValue()).hasSize(1);

    long before = consul.agent().requestCount("/v1/health/service/web");
    CompletableFuture<Response<List<HealthService>>> blocked = CompletableFuture.supplyAsync(() ->
        client.getHealthServices("web", request(true, null, new QueryParams(60, index))));
    Await.until("the blocking query to reach the agent", Duration.ofSeconds(10),
        () -> consul.agent().requestCount("/v1/health/service/web") > before);
    client.agentServiceRegister(service("web-2", "web", 8081, List.of()));
    client.agentCheckPass("service:web-2");
    Response<List<HealthService>> changed = blocked.get(30, TimeUnit.SECONDS);
    assertThat(changed.getConsulIndex()).isGreaterThan(index);
  }

  @Test
  void catalogServicesListsTags() {
    ConsulClient client = client();
    client.agentServiceRegister(service("web-1", "web", 8080, List.of("blue")));
    Map<String, List<String>> services = client.getCatalogServices(QueryParams.DEFAULT).getValue();
    assertThat(services).containsEntry("web", List.of("blue")).containsKey("consul");
  }

  @Test
  void maintenanceModeThroughTheClient() {
    ConsulClient client = client();
    client.agentServiceRegister(service("web-1", "web", 8080, List.of()));
    client.agentCheckPass("service:web-1");
    client.agentServiceSetMaintenance("web-1", true, "upgrade");
    assertThat(client.getHealthServices("web", request(true, null, null)).getValue()).isEmpty();
    client.agentServiceSetMaintenance("web-1", false);
    assertThat(client.getHealthServices("web", request(true, null, null)).getValue()).hasSize(1);
  }
}
