package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The body cap and the bounded, scrubbed error text, against a real HTTP server on loopback. */
class AgentTransportTest {
  private static final String TOKEN = "b1gs3cr3t-t0k3n";
  private final MockWebServer server = new MockWebServer();
  private AgentTransport transport;

  @BeforeEach
  void start() throws Exception {
    server.start(java.net.InetAddress.getLoopbackAddress(), 0);
    transport = AgentTransport.create(new OkHttpClient(), null, Credentials.of(TOKEN, null, null),
        Duration.ofSeconds(5), Duration.ofSeconds(5), 2048);
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private Response get() throws Exception {
    return transport.newCall(new Request.Builder().url(server.url("/v1/catalog/services"))).execute();
  }

  @Test
  void everyRequestCarriesTheTokenInTheHeaderOnly() throws Exception {
    server.enqueue(new MockResponse().setBody("{}"));
    try (Response r = get()) {
      assertThat(transport.readBody(r)).isEqualTo("{}".getBytes());
    }
    var recorded = server.takeRequest();
    assertThat(recorded.getHeader("X-Consul-Token")).isEqualTo(TOKEN);
    assertThat(recorded.getPath()).doesNotContain(TOKEN);
  }

  @Test
  void aBodyOverTheCapIsRefusedWhetherItsLengthIsDeclaredOrNot() throws Exception {
    server.enqueue(new MockResponse().setBody("x".repeat(4096)));
    try (Response r = get()) {
      assertThatThrownBy(() -> transport.readBody(r)).isInstanceOf(ResponseTooLargeException.class)
          .hasMessageContaining("4096 bytes").hasMessageContaining("maxBodySize");
    }
    server.enqueue(new MockResponse().setChunkedBody("y".repeat(4096), 512));
    try (Response r = get()) {
      assertThatThrownBy(() -> transport.readBody(r)).isInstanceOf(ResponseTooLargeException.class)
          .hasMessageContaining("more than 2048 bytes");
    }
    server.enqueue(new MockResponse().setBody("z".repeat(2048)));
    try (Response r = get()) {
      assertThat(transport.readBody(r)).hasSize(2048);
    }
  }

  @Test
  void aStreamedBodyStopsAtTheCapWhetherItsLengthIsDeclaredOrNot() throws Exception {
    server.enqueue(new MockResponse().setBody("x".repeat(4096)));
    try (Response r = get()) {
      assertThatThrownBy(() -> transport.bodyStream(r)).isInstanceOf(ResponseTooLargeException.class)
          .hasMessageContaining("4096 bytes").hasMessageContaining("maxBodySize");
    }
    server.enqueue(new MockResponse().setChunkedBody("y".repeat(4096), 512));
    try (Response r = get()) {
      java.io.InputStream in = transport.bodyStream(r);
      assertThatThrownBy(in::readAllBytes).isInstanceOf(ResponseTooLargeException.class)
          .hasMessageContaining("more than 2048 bytes");
    }
    server.enqueue(new MockResponse().setChunkedBody("z".repeat(2048), 512));
    try (Response r = get()) {
      assertThat(transport.bodyStream(r).readAllBytes()).hasSize(2048);
    }
  }

  @Test
  void errorTextIsBoundedAndScrubbed() throws Exception {
    Buffer huge = new Buffer().writeUtf8("token " + TOKEN + " refused ").writeUtf8("e".repeat(200_000));
    server.enqueue(new MockResponse().setResponseCode(403).setBody(huge));
    try (Response r = get()) {
      String text = transport.readErrorText(r);
      assertThat(text).startsWith("token <token> refused").doesNotContain(TOKEN);
      assertThat(text.length()).isLessThanOrEqualTo((int) AgentTransport.ERROR_TEXT_LIMIT);
    }
  }

  @Test
  void aCapTooSmallToReadAnErrorIsRefused() {
    assertThatThrownBy(() -> AgentTransport.checkMaxBody(100)).hasMessageContaining("maxBodySize")
        .hasMessageContaining("1024");
  }

  @Test
  void aRequestOkHttpRefusesToBuildFailsWithoutTheTokenInTheMessageOrTheCause() {
    // Credentials.of does not check the token (the builders do); this is the net behind those checks.
    String bad = TOKEN + "\u00A0x";
    AgentTransport unchecked = AgentTransport.create(new OkHttpClient(), null, Credentials.of(bad, null, null),
        Duration.ofSeconds(5), Duration.ofSeconds(5), 2048);
    assertThatThrownBy(() -> unchecked.newCall(new Request.Builder().url(server.url("/v1/agent/self"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("could not be built")
        .hasMessageContaining("<token>")
        .hasMessageNotContaining(TOKEN)
        .hasNoCause();
  }
}
