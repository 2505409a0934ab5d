package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.consul.AgentService;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;

/** An IPv6 Mesos agent and master, end to end on ::1: mesos-consul failed the whole state on such pids. */
class Ipv6BridgeTest {
  @Test
  void ipv6AgentTasksRegisterInTheAgentsOwnConsul() throws Exception {
    OkHttpClient http = new OkHttpClient();
    try (ConsulTestAgent consul = ConsulTestAgent.builder().bindAddress("::1").httpPort(0).start()) {
      MockWebServer master = new MockWebServer();
      master.start(InetAddress.getByName("::1"), 0);
      try {
        String pid = "master@[::1]:" + master.getPort();
        master.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
          @Override
          public MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) {
            return new MockResponse().setBody("{\"leader\":\"" + pid + "\",\"pid\":\"" + pid + "\","
                + "\"slaves\":[{\"id\":\"S6\",\"hostname\":\"v6-agent\",\"pid\":\"slave(1)@[::1]:5051\"}],"
                + "\"frameworks\":[{\"name\":\"marathon\",\"pid\":\"scheduler(1)@[::1]:25501\",\"tasks\":[{"
                + "\"id\":\"web.1\",\"name\":\"web\",\"slave_id\":\"S6\",\"state\":\"TASK_RUNNING\","
                + "\"resources\":{\"ports\":\"[31000-31000]\"},"
                + "\"labels\":[{\"key\":\"check_http\",\"value\":\"http://{host}:{port}/ping\"}],"
                + "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":1}]}]}]}");
          }
        });
        StringWriter err = new StringWriter();
        Main.Parsed parsed = Main.parse(new String[] {"--mesos=http://[::1]:" + master.getPort(),
            "--consul-port=" + consul.httpPort(), "--consul-timeout=2"}, Map.of(), new PrintWriter(new StringWriter()),
            new PrintWriter(err, true));
        assertThat(err.toString()).isEmpty();
        BridgeConfig cfg = parsed.config();
        ConsulAgents agents = new ConsulAgentPool(cfg::agentUri, null, null, cfg.consulTimeout, null);
        try (Bridge bridge = new Bridge(cfg, agents, null, http,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
          bridge.start();
          Bridge.Pass pass = bridge.runPass();
          assertThat(pass.success()).isTrue();
          assertThat(pass.result().agentsFailed()).isZero();

          Map<String, AgentService> byId = new HashMap<>();
          try (ConsulAgent reader = ConsulAgent.create(consul.httpUri())) {
            reader.services().forEach(s -> byId.put(s.id(), s));
          }
          AgentService web = byId.get("mesos-consul:::1:web:::1:31000");
          assertThat(web).isNotNull();
          assertThat(web.address()).isEqualTo("::1");
          assertThat(web.meta()).containsEntry("bridge-check", "http http://[::1]:31000/ping every 10s");
          assertThat(byId.get("mesos-consul:mesos:S6:v6-agent").tags()).containsExactly("agent", "follower");
          assertThat(byId.get("mesos-consul:mesos:::1:" + master.getPort()).tags()).containsExactly("leader", "master");
          assertThat(bridge.runPass().result().registered()).isZero();
        }
      } finally {
        master.shutdown();
        http.dispatcher().executorService().shutdown();
      }
    }
  }
}
