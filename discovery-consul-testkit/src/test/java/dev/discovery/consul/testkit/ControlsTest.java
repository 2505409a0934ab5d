package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ControlsTest {
  @RegisterExtension
  final ConsulTestAgentExtension consul = new ConsulTestAgentExtension();

  @Test
  void failNextAnswersWithTheGivenStatusAndBodyThenRecovers() {
    ConsulTestAgent agent = consul.agent();
    agent.failNext(2, 500, "No cluster leader");
    for (int i = 0; i < 2; i++) {
      Http.Response r = Http.get(agent, "/v1/health/service/web");
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.body()).isEqualTo("No cluster leader");
    }
    assertThat(Http.get(agent, "/v1/health/service/web").status()).isEqualTo(200);
    agent.failNext(1, 429, "");
    Http.Response limited = Http.get(agent, "/v1/health/service/web");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body()).isEmpty();
    assertThat(agent.requestCount("/v1/health/service/web")).isEqualTo(4);
    assertThat(agent.requestCount("/v1/health/service/other")).isZero();
  }

  @Test
  void delayedResponsesTripAClientTimeout() throws Exception {
    ConsulTestAgent agent = consul.agent();
    agent.delayResponses(Duration.ofSeconds(30));
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(URI.create(agent.httpUri() + "/v1/agent/services"))
        .timeout(Duration.ofMillis(200)).build();
    assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);
    agent.delayResponses(Duration.ZERO);
    assertThat(Http.get(agent, "/v1/agent/services").status()).isEqualTo(200);
  }

  @Test
  void droppedConnectionsFailRequestsIncludingABlockingQueryInProgress() throws Exception {
    ConsulTestAgent agent = consul.agent();
    agent.registerService("{\"Name\":\"web\"}");
    long index = Http.get(agent, "/v1/health/service/web").index();
    CompletableFuture<Http.Response> blocked = Http.getAsync(agent, "/v1/health/service/web?index=" + index);
    Await.until("the blocking query", Duration.ofSeconds(10),
        () -> agent.requestCount("/v1/health/service/web") == 2);
    agent.dropConnections(true);
    assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class);
    assertThatThrownBy(() -> Http.get(agent, "/v1/agent/services")).hasCauseInstanceOf(IOException.class);
    agent.dropConnections(false);
    assertThat(Http.get(agent, "/v1/agent/services").status()).isEqualTo(200);
  }

  @Test
  void resetIndexMovesTheIndexBackwardsAndABlockingQueryWithTheOldIndexWaitsItsFullWait() {
    ConsulTestAgent agent = consul.agent();
    for (int i = 0; i < 5; i++) {
      agent.registerService("{\"Name\":\"web\",\"ID\":\"w" + i + "\"}");
    }
    long high = Http.get(agent, "/v1/health/service/web").index();
    assertThat(high).isEqualTo(agent.currentIndex());
    agent.resetIndex(2);
    assertThat(agent.currentIndex()).isEqualTo(2);
    Http.Response after = Http.get(agent, "/v1/health/service/web");
    assertThat(after.index()).isLessThanOrEqualTo(2).isLessThan(high);
    assertThat(after.json().size()).isEqualTo(5);
    after.json().forEach(e -> assertThat(e.at("/Service/ModifyIndex").asLong()).isLessThanOrEqualTo(2));
    Http.Response blocked = Http.get(agent, "/v1/health/service/web?index=" + high + "&wait=100ms");
    assertThat(blocked.index()).isLessThan(high);
    agent.registerService("{\"Name\":\"web\",\"ID\":\"w9\"}");
    assertThat(Http.get(agent, "/v1/health/service/web").index()).isEqualTo(3);
    assertThatThrownBy(() -> agent.resetIndex(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void restartKeepsThePortsAndForgetsRegistrationsUnlessAskedToKeepThem() {
    ConsulTestAgent agent = consul.agent();
    int http = agent.httpPort();
    int dns = agent.dnsPort();
    agent.registerService("{\"Name\":\"web\"}");
    long index = agent.currentIndex();
    agent.restart(true);
    assertThat(agent.httpPort()).isEqualTo(http);
    assertThat(agent.dnsPort()).isEqualTo(dns);
    assertThat(Http.get(agent, "/v1/agent/services").json().has("web")).isTrue();
    agent.restart();
    assertThat(agent.httpPort()).isEqualTo(http);
    assertThat(agent.dnsPort()).isEqualTo(dns);
    assertThat(Http.get(agent, "/v1/agent/services").json().size()).isZero();
    assertThat(Http.get(agent, "/v1/health/service/web").body()).isEqualTo("[]");
    assertThat(agent.currentIndex()).as("the index keeps rising across restarts").isGreaterThan(index);
  }

  @Test
  void aBlockingQueryInProgressIsCutOffByRestart() throws Exception {
    ConsulTestAgent agent = consul.agent();
    long index = Http.get(agent, "/v1/health/service/web").index();
    // A raw socket, not an HTTP client: the JDK's client would quietly retry the GET on the restarted agent.
    try (java.net.Socket socket = new java.net.Socket(agent.httpUri().getHost(), agent.httpPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET /v1/health/service/web?index=" + index + " HTTP/1.1\r\nHost: consul\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      Await.until("the blocking query", Duration.ofSeconds(10),
          () -> agent.requestCount("/v1/health/service/web") == 2);
      agent.restart();
      byte[] answer = new byte[0];
      try {
        answer = socket.getInputStream().readAllBytes();
      } catch (java.net.SocketException reset) {
        // a reset is as good as a close: no answer came
      }
      assertThat(new String(answer, java.nio.charset.StandardCharsets.US_ASCII)).as("no answer, only a cut")
          .isEmpty();
    }
  }

  @Test
  void healthControlsWakeBlockingQueries() throws Exception {
    ConsulTestAgent agent = consul.agent();
    agent.registerNodeService("other", "10.0.0.9", "{\"Name\":\"web\",\"ID\":\"web-o\"}");
    long index = Http.get(agent, "/v1/health/service/web").index();
    CompletableFuture<Http.Response> blocked = Http.getAsync(agent, "/v1/health/service/web?index=" + index);
    Await.until("the blocking query", Duration.ofSeconds(10),
        () -> agent.requestCount("/v1/health/service/web") == 2);
    agent.setServiceHealth("web-o", "critical");
    Http.Response r = blocked.get(10, TimeUnit.SECONDS);
    assertThat(r.index()).isGreaterThan(index);
    assertThat(Http.get(agent, "/v1/health/service/web?passing").body()).isEqualTo("[]");
    agent.setCheckStatus("service:web-o", "passing", "fine");
    assertThat(Http.get(agent, "/v1/health/service/web?passing").json().get(0).at("/Node/Node").asText())
        .isEqualTo("other");
    agent.setCheckStatus("serfHealth", "critical", "node down"); // the local node's serf check
    assertThatThrownBy(() -> agent.setCheckStatus("nope", "passing", "")).isInstanceOf(
        IllegalArgumentException.class).hasMessageContaining("nope");
    assertThatThrownBy(() -> agent.setServiceHealth("web-o", "ok")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("passing, warning or critical");
  }

  @Test
  void nodeLevelCriticalCheckHidesEveryServiceOnTheNode() {
    ConsulTestAgent agent = consul.agent();
    agent.registerService("{\"Name\":\"web\",\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}");
    assertThat(Http.get(agent, "/v1/health/service/web?passing").json().size()).isEqualTo(1);
    agent.setCheckStatus("serfHealth", "critical", "Agent not live or unreachable");
    assertThat(Http.get(agent, "/v1/health/service/web?passing").body()).isEqualTo("[]");
  }
}
