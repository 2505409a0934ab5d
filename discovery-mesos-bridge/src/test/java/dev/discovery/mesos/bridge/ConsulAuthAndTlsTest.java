package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mesos-consul's {@code --consul-ssl-verify=false} and {@code --consul-auth=user:pass} end to end: an HTTPS
 * "agent" (behind a proxy that wants basic auth) with a certificate from a CA the bridge never saw, for a
 * host name it does not have.
 */
class ConsulAuthAndTlsTest {
  private static final String USER = "opsuser-77";
  private static final String PASSWORD = "pa55:w0rd-xyz";

  private Cluster cluster;
  private MockWebServer agent;
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final List<String> logs = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logs.add(r.getMessage() + " " + java.util.Arrays.toString(r.getParameters())
          + (r.getThrown() == null ? "" : " " + r.getThrown()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() throws Exception {
    cluster = new Cluster();
    HeldCertificate strangerCa = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate cert = new HeldCertificate.Builder().commonName("consul.elsewhere.example")
        .addSubjectAlternativeName("consul.elsewhere.example").signedBy(strangerCa).build();
    agent = new MockWebServer();
    agent.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert, strangerCa.certificate()).build()
        .sslSocketFactory(), false);
    agent.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.add(request);
        if (!Credentials.basic(USER, PASSWORD).equals(request.getHeader("Authorization"))) {
          return new MockResponse().setResponseCode(401).setBody("401 Authorization Required");
        }
        String path = request.getPath();
        if (path.equals("/v1/agent/services") || path.equals("/v1/agent/checks")) {
          return new MockResponse().setHeader("Content-Type", "application/json").setBody("{}");
        }
        return new MockResponse().setResponseCode(200);
      }
    });
    agent.start(InetAddress.getByName("127.0.0.1"), 0);
    Logger.getLogger("").addHandler(capture);
  }

  @AfterEach
  void stop() throws Exception {
    Logger.getLogger("").removeHandler(capture);
    agent.shutdown();
    cluster.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private Bridge.Pass pass(BridgeConfig cfg) throws Exception {
    try (Bridge bridge = new Bridge(cfg, ConsulAgentPool.from(cfg), null, http,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      bridge.start();
      Bridge.Pass pass = bridge.runPass();
      assertThat(bridge.metrics().render()).doesNotContain(PASSWORD).doesNotContain(USER);
      return pass;
    }
  }

  private String agentUrl() {
    return "--consul-agent=https://127.0.0.1:" + agent.getPort();
  }

  @Test
  void withoutVerificationAndWithBasicAuthEveryServiceIsRegistered() throws Exception {
    BridgeConfig cfg = cluster.config(agentUrl(), "--consul-ssl-verify=false", "--consul-auth=" + USER + ":" + PASSWORD);
    assertThat(cfg.startupWarnings()).singleElement().asString().contains("WITHOUT certificate or host name verification");
    Bridge.Pass pass = pass(cfg);
    assertThat(pass.success()).isTrue();
    assertThat(pass.result().registered()).isEqualTo(4);
    assertThat(pass.result().errors()).isZero();
    assertThat(requests).isNotEmpty().allSatisfy(r -> {
      assertThat(r.getHeader("Authorization")).isEqualTo(Credentials.basic(USER, PASSWORD));
      assertThat(r.getRequestUrl().toString()).doesNotContain(PASSWORD);
    });
    assertThat(requests).filteredOn(r -> r.getPath().equals("/v1/agent/service/register")).hasSize(4);
    assertThat(logs).noneMatch(l -> l.contains(PASSWORD) || l.contains(Credentials.basic(USER, PASSWORD)));
  }

  @Test
  void wrongCredentialsAreReportedWithoutEchoingThem() throws Exception {
    BridgeConfig cfg = cluster.config(agentUrl(), "--consul-ssl-verify=false", "--consul-auth=" + USER + ":wrong-" + PASSWORD);
    Bridge.Pass pass = pass(cfg);
    assertThat(pass.result().registered()).isZero();
    assertThat(pass.result().agentsReconciled() + pass.result().agentsFailed()).isEqualTo(1);
    assertThat(logs).anyMatch(l -> l.contains("401"));
    assertThat(logs).noneMatch(l -> l.contains(PASSWORD));
    // Consul never answers 401: the hint is about the proxy's basic auth and the bridge's flag, not "retry later".
    assertThat(logs).filteredOn(l -> l.contains("HTTP 401")).isNotEmpty().allSatisfy(l -> assertThat(l)
        .contains("Consul itself never answers 401, so a proxy in front of the agent refused the HTTP basic"
            + " credentials: check the user and password; the bridge's flag: --consul-auth=user:password")
        .doesNotContain("retry later"));
  }

  @Test
  void missingCredentialsForTheProxyAreAskedFor() throws Exception {
    BridgeConfig cfg = cluster.config(agentUrl(), "--consul-ssl-verify=false");
    Bridge.Pass pass = pass(cfg);
    assertThat(pass.result().registered()).isZero();
    assertThat(logs).filteredOn(l -> l.contains("HTTP 401")).isNotEmpty().allSatisfy(l -> assertThat(l)
        .contains("a proxy in front of the agent requires HTTP basic authentication: set basic credentials (user"
            + " and password) on this client; the bridge's flag: --consul-auth=user:password"));
  }

  @Test
  void withVerificationTheStrangersCertificateIsRefused() throws Exception {
    BridgeConfig cfg = cluster.config(agentUrl(), "--consul-auth=" + USER + ":" + PASSWORD);
    assertThat(cfg.startupWarnings()).isEmpty();
    Bridge.Pass pass = pass(cfg);
    assertThat(pass.result().registered()).isZero();
    assertThat(pass.result().agentsFailed()).isEqualTo(1);
    assertThat(requests).isEmpty();
    // It answered; TLS failed. Not "unreachable ... check that the agent is running": the CA and scheme flags.
    assertThat(logs).filteredOn(l -> l.contains("TLS with it failed")).singleElement().asString()
        .contains("TLS with consul agent https://127.0.0.1:" + agent.getPort() + " failed, so it was not asked to")
        .contains("(SSLHandshakeException: ")
        .contains("; the bridge's flags: --consul-ssl-cacert (the CA that signed the agents' certificates),"
            + " --consul-ssl-verify, and --consul-ssl or the scheme of --consul-agent")
        .doesNotContain("check that the agent is running");
    assertThat(logs).noneMatch(l -> l.contains("unreachable"));
  }
}
