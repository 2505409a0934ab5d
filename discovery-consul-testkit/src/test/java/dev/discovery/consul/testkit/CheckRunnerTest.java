package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.discovery.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** HTTP and TCP checks aimed at loopback are run; others are only stored. */
class CheckRunnerTest {

  private static JsonNode check(ConsulTestAgent agent, String id) {
    return Http.get(agent, "/v1/agent/checks").json().get(id);
  }

  @Test
  void httpCheckFollowsTheTargetsStatus() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    HttpServer target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    target.createContext("/health", ex -> {
      byte[] body = "fine".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status.get(), body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    target.start();
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      String url = "http://127.0.0.1:" + target.getAddress().getPort() + "/health";
      agent.registerService("{\"Name\":\"web\",\"Check\":{\"HTTP\":\"" + url + "\",\"Interval\":\"1s\"}}");
      Await.until("HTTP check passing", Duration.ofSeconds(15),
          () -> check(agent, "service:web").get("Status").asText().equals("passing"));
      assertThat(check(agent, "service:web").get("Output").asText())
          .isEqualTo("HTTP GET " + url + ": 200 OK Output: fine");
      status.set(429);
      Await.until("HTTP check warning on 429", Duration.ofSeconds(15),
          () -> check(agent, "service:web").get("Status").asText().equals("warning"));
      status.set(503);
      Await.until("HTTP check critical on 503", Duration.ofSeconds(15),
          () -> check(agent, "service:web").get("Status").asText().equals("critical"));
    } finally {
      target.stop(0);
    }
  }

  @Test
  void tcpCheckPassesWhileSomethingListens() throws Exception {
    ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int port = listener.getLocalPort();
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      agent.registerService("{\"Name\":\"db\",\"Check\":{\"TCP\":\"127.0.0.1:" + port + "\",\"Interval\":\"1s\"}}");
      Await.until("TCP check passing", Duration.ofSeconds(15),
          () -> check(agent, "service:db").get("Status").asText().equals("passing"));
      listener.close();
      Await.until("TCP check critical", Duration.ofSeconds(15),
          () -> check(agent, "service:db").get("Status").asText().equals("critical"));
    } finally {
      listener.close();
    }
  }

  @Test
  void checksAimedOffThisMachineAreNeverRun() {
    assertThat(CheckRunner.runnable(definition("http://10.0.0.5:8080/health", ""))).isFalse();
    assertThat(CheckRunner.runnable(definition("", "10.0.0.5:5432"))).isFalse();
    assertThat(CheckRunner.runnable(definition("http://localhost:8080/", ""))).isTrue();
    assertThat(CheckRunner.runnable(definition("", "127.0.0.1:5432"))).isTrue();
  }

  private static CheckDefinition definition(String http, String tcp) {
    CheckDefinition e = CheckDefinition.EMPTY;
    return new CheckDefinition(http, "", e.header(), "", "", false, tcp, "", "", false, "", e.scriptArgs(), "", "",
        "", "", Duration.ofSeconds(10), Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }
}
