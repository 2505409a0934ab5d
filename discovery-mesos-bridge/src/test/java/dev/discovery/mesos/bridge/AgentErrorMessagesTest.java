package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Level;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the bridge logs and counts when a Consul agent fails a call: an agent that answered with an error is
 * named as answering (the request, the status, Consul's text, a hint that fits), never as unreachable; only an
 * agent that did not answer is. One central agent ({@code --consul-agent}) on MockWebServer plays each part.
 */
class AgentErrorMessagesTest {
  private Cluster cluster;
  private MockWebServer agent;
  private final AtomicReference<Function<RecordedRequest, MockResponse>> answer = new AtomicReference<>();
  private final OkHttpClient http = new OkHttpClient();
  private CapturedLogs logs;
  private Bridge bridge;

  @BeforeEach
  void start() throws Exception {
    cluster = new Cluster();
    agent = new MockWebServer();
    agent.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer.get().apply(request);
      }
    });
    agent.start(InetAddress.getByName("127.0.0.1"), 0);
    answer.set(AgentErrorMessagesTest::healthy);
    logs = new CapturedLogs();
  }

  @AfterEach
  void stop() throws Exception {
    logs.close();
    if (bridge != null) {
      bridge.close();
    }
    agent.shutdown();
    cluster.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /** An agent with nothing registered that accepts every write. */
  private static MockResponse healthy(RecordedRequest request) {
    if ("GET".equals(request.getMethod())) {
      return new MockResponse().setHeader("Content-Type", "application/json").setBody("{}");
    }
    return new MockResponse().setResponseCode(200);
  }

  private Bridge bridge(String agentUrl) throws Exception {
    BridgeConfig cfg = cluster.config("--consul-agent=" + agentUrl);
    bridge = new Bridge(cfg, ConsulAgentPool.from(cfg), null, http,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    bridge.start();
    return bridge;
  }

  private String agentUrl() {
    return "http://127.0.0.1:" + agent.getPort();
  }

  @Test
  void anAgentThatAnswers404ToTheChecksListingIsNamedAsAnsweringNotAsUnreachable() throws Exception {
    // As an agent without the endpoint answers: Go's mux text, status 404.
    answer.set(r -> r.getPath().equals("/v1/agent/checks")
        ? new MockResponse().setResponseCode(404).setBody("404 page not found\n") : healthy(r));
    Bridge b = bridge(agentUrl());
    Bridge.Pass pass = b.runPass();
    assertThat(pass.success()).isTrue();
    assertThat(pass.result().agentsFailed()).isEqualTo(1);

    assertThat(logs.lines()).noneMatch(l -> l.contains("unreachable")).noneMatch(l -> l.contains("check the ID"));
    assertThat(logs.containing("answered, but its services could not be read")).singleElement().satisfies(l ->
        assertThat(l).startsWith("WARNING Consul agent " + agentUrl() + " answered, but its services could not be"
                + " read, so nothing was changed on it this pass (")
            .contains("answered GET /v1/agent/checks (to list checks) with HTTP 404: 404 page not found;")
            .contains("it may be older than the API this client uses")
            .contains("its services are kept and it is retried in 0 s"));
    assertThat(b.metrics().render())
        .contains("mesos_bridge_agent_errors_total{agent=\"" + Bridge.CENTRAL + "\",cause=\"refused\"} 1\n")
        .doesNotContain("cause=\"unreachable\"")
        .contains("mesos_bridge_agents_backing_off 1\n");

    answer.set(AgentErrorMessagesTest::healthy);
    assertThat(b.runPass().result().agentsFailed()).isZero();
    assertThat(logs.containing("can be read again")).containsExactly(
        "INFO the services of Consul agent " + agentUrl() + " can be read again after 1 failed pass(es)");
    assertThat(logs.lines()).noneMatch(l -> l.contains("reachable again"));
    assertThat(b.metrics().render()).contains("mesos_bridge_agents_backing_off 0\n");
  }

  @Test
  void anAgentThatDoesNotAnswerIsUnreachable() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closed;
    Bridge b = bridge(url);
    assertThat(b.runPass().result().agentsFailed()).isEqualTo(1);
    assertThat(logs.containing("unreachable")).singleElement().satisfies(l -> assertThat(l)
        .startsWith("WARNING Consul agent " + url + " unreachable (cannot reach consul agent " + url
            + " to list services (")
        .contains("check that the agent is running and listening there); its services are kept and it is retried in"));
    assertThat(b.metrics().render())
        .contains("mesos_bridge_agent_errors_total{agent=\"" + Bridge.CENTRAL + "\",cause=\"unreachable\"} 1\n");
  }

  @Test
  void aRefusedRegistrationNamesTheRequestTheStatusAndConsulsText() throws Exception {
    answer.set(r -> r.getPath().startsWith("/v1/agent/service/register")
        ? new MockResponse().setResponseCode(500).setBody("Check interval must be set") : healthy(r));
    Bridge b = bridge(agentUrl());
    Bridge.Pass pass = b.runPass();
    assertThat(pass.result().agentsFailed()).as("the agent answered: its pass went on").isZero();
    assertThat(pass.result().errors()).isEqualTo(4);
    assertThat(logs.at(Level.WARNING)).hasSize(4).allSatisfy(l -> assertThat(l)
        .startsWith("WARNING Consul agent " + agentUrl() + " refused to register mesos-consul:")
        .contains("answered PUT /v1/agent/service/register (to register service 'mesos-consul:")
        .contains("with HTTP 500: Check interval must be set"));
    assertThat(logs.lines()).noneMatch(l -> l.contains("unreachable"));
    assertThat(b.metrics().render())
        .contains("mesos_bridge_agent_errors_total{agent=\"" + Bridge.CENTRAL + "\",cause=\"refused\"} 4\n")
        .contains("mesos_bridge_agents_backing_off 0\n");
  }
}
