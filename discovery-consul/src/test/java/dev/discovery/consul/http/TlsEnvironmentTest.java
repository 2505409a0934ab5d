package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ConsulTls;
import dev.discovery.consul.ServiceRegistration;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS variables of Consul's tools ({@code CONSUL_CACERT}, {@code CONSUL_CAPATH}, {@code CONSUL_CLIENT_CERT},
 * {@code CONSUL_CLIENT_KEY}, {@code CONSUL_TLS_SERVER_NAME}, {@code CONSUL_HTTP_SSL_VERIFY}), injected through
 * {@link ConsulEnvironment#of(Map)} and checked with real handshakes against an HTTPS MockWebServer.
 */
class TlsEnvironmentTest {
  @TempDir Path dir;
  private final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0)
      .commonName("Consul Agent CA").build();
  private final HeldCertificate client = new HeldCertificate.Builder().commonName("client.dc1.consul")
      .signedBy(ca).build();
  private MockWebServer server;

  /** Starts an HTTPS agent stand-in whose certificate names only {@code san}. */
  private MockWebServer start(String san, boolean requireClientCert) throws Exception {
    HeldCertificate serverCert = new HeldCertificate.Builder().commonName("server.dc1.consul")
        .addSubjectAlternativeName(san).signedBy(ca).build();
    server = new MockWebServer();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(serverCert, ca.certificate())
        .addTrustedCertificate(ca.certificate()).build().sslSocketFactory(), false);
    if (requireClientCert) {
      server.requireClientAuth();
    }
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    server.enqueue(HttpBackendTest.ok(HttpBackendTest.web("10.0.0.1"), 3));
    return server;
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.shutdown();
    }
  }

  private Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("CONSUL_HTTP_ADDR", "https://127.0.0.1:" + server.getPort());
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  /** The first lookup's failure through a backend built from {@code env}, or null when it answered. */
  private static Throwable lookup(Map<String, String> env) throws Exception {
    HttpBackend backend = ConsulDiscovery.http().environment(ConsulEnvironment.of(env))
        .errorBackoff(Duration.ofMillis(10), Duration.ofMillis(20)).buildBackend();
    try {
      return backend.fetch(ServiceQuery.of("web")).handle((a, t) -> t).get(10, TimeUnit.SECONDS);
    } finally {
      backend.close();
    }
  }

  @Test
  void caAndClientCertificateFromTheEnvironment() throws Exception {
    start("127.0.0.1", true);
    Path caPem = write("ca.pem", ca.certificatePem());
    Path certPem = write("client.pem", client.certificatePem());
    Path keyPem = write("client-key.pem", client.privateKeyPkcs8Pem());
    Map<String, String> env = env("CONSUL_CACERT", caPem.toString(),
        "CONSUL_CLIENT_CERT", certPem.toString(), "CONSUL_CLIENT_KEY", keyPem.toString());
    // Answer by path: the discovery's watch sends its next blocking query at once (the rate limit allows a
    // burst of two), and a queued answer meant for the registration must not go to that query instead.
    server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) {
        return request.getPath().startsWith("/v1/health/service/web")
            ? HttpBackendTest.ok(HttpBackendTest.web("10.0.0.1"), 3)
            : new MockResponse().setResponseCode(200);
      }
    });
    try (CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.of(env)).build()) {
      assertThat(discovery.instances(ServiceQuery.of("web"))).hasSize(1);
    }
    assertThat(server.takeRequest().getHandshake().peerCertificates()).as("the client certificate was sent")
        .hasSize(1);
    try (ConsulAgent agent = ConsulAgent.builder().environment(ConsulEnvironment.of(env)).build()) {
      agent.registerService(ServiceRegistration.of("web", "10.0.0.5", 8080));
    }
    assertThat(pathsAfterTheFirst()).contains("/v1/agent/service/register");
  }

  /** Every request path the agent stand-in has recorded beyond the ones already taken. */
  private List<String> pathsAfterTheFirst() throws InterruptedException {
    List<String> paths = new java.util.ArrayList<>();
    for (okhttp3.mockwebserver.RecordedRequest r; (r = server.takeRequest(1, TimeUnit.SECONDS)) != null; ) {
      paths.add(r.getPath());
    }
    return paths;
  }

  @Test
  void withoutTheCaTheAgentIsNotTrusted() throws Exception {
    start("127.0.0.1", false);
    assertThat(lookup(env())).as("platform trust does not know the test CA").isNotNull()
        .hasMessageContaining("SSL");
  }

  @Test
  void theBuildersTlsWinsOverTheEnvironment() throws Exception {
    start("127.0.0.1", false);
    Path caPem = write("ca.pem", ca.certificatePem());
    Map<String, String> env = env("CONSUL_CACERT", dir.resolve("missing.pem").toString());
    assertThatThrownBy(() -> lookup(env)).hasMessageContaining("missing.pem");
    try (CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.of(env))
        .tls(ConsulTls.trusting(caPem)).build()) {
      assertThat(discovery.instances(ServiceQuery.of("web"))).hasSize(1);
    }
  }

  @Test
  void serverNameChecksTheCertificateAgainstThatName() throws Exception {
    start("server.dc1.consul", false); // reached as 127.0.0.1, which the certificate does not name
    Path caPem = write("ca.pem", ca.certificatePem());
    assertThat(lookup(env("CONSUL_CACERT", caPem.toString()))).as("the address does not match").isNotNull();
    server.enqueue(HttpBackendTest.ok(HttpBackendTest.web("10.0.0.1"), 3));
    assertThat(lookup(env("CONSUL_CACERT", caPem.toString(), "CONSUL_TLS_SERVER_NAME", "server.dc1.consul")))
        .isNull();
    assertThat(lookup(env("CONSUL_CACERT", caPem.toString(), "CONSUL_TLS_SERVER_NAME", "other.dc1.consul")))
        .as("a name the certificate does not carry").isNotNull();
  }

  @Test
  void serverNameIsSentAsSni() throws Exception {
    // An HTTPS stand-in that records the server names clients ask for: TLS is done by the server socket
    // itself, so the requested names can be read by an SNI matcher during the handshake.
    HeldCertificate serverCert = new HeldCertificate.Builder().commonName("server.dc1.consul")
        .addSubjectAlternativeName("server.dc1.consul").signedBy(ca).build();
    javax.net.ssl.SSLServerSocketFactory tls = new HandshakeCertificates.Builder()
        .heldCertificate(serverCert, ca.certificate()).build().sslContext().getServerSocketFactory();
    List<String> requested = new java.util.concurrent.CopyOnWriteArrayList<>();
    javax.net.ssl.SNIMatcher recorder = new javax.net.ssl.SNIMatcher(javax.net.ssl.StandardConstants.SNI_HOST_NAME) {
      @Override
      public boolean matches(javax.net.ssl.SNIServerName name) {
        requested.add(((javax.net.ssl.SNIHostName) name).getAsciiName());
        return true;
      }
    };
    server = new MockWebServer();
    server.setServerSocketFactory(new javax.net.ServerSocketFactory() {
      @Override
      public java.net.ServerSocket createServerSocket() throws java.io.IOException {
        javax.net.ssl.SSLServerSocket socket = (javax.net.ssl.SSLServerSocket) tls.createServerSocket();
        javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
        parameters.setSNIMatchers(List.of(recorder));
        socket.setSSLParameters(parameters);
        return socket;
      }

      @Override
      public java.net.ServerSocket createServerSocket(int port) {
        throw new UnsupportedOperationException();
      }

      @Override
      public java.net.ServerSocket createServerSocket(int port, int backlog) {
        throw new UnsupportedOperationException();
      }

      @Override
      public java.net.ServerSocket createServerSocket(int port, int backlog, InetAddress address) {
        throw new UnsupportedOperationException();
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    server.enqueue(HttpBackendTest.ok(HttpBackendTest.web("10.0.0.1"), 3));
    Path caPem = write("ca.pem", ca.certificatePem());

    assertThat(lookup(env("CONSUL_CACERT", caPem.toString(), "CONSUL_TLS_SERVER_NAME", "server.dc1.consul")))
        .isNull();
    assertThat(requested).as("SNI of a client reaching 127.0.0.1").containsExactly("server.dc1.consul");
  }

  @Test
  void caPathTrustsTheCasOfEveryFileUnderTheDirectory() throws Exception {
    start("127.0.0.1", false);
    HeldCertificate otherCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("Other CA").build();
    Path cas = Files.createDirectories(dir.resolve("cas/nested"));
    Files.writeString(dir.resolve("cas/other.pem"), otherCa.certificatePem());
    Files.writeString(cas.resolve("consul-agent-ca.pem"), ca.certificatePem());
    assertThat(lookup(env("CONSUL_CAPATH", dir.resolve("cas").toString()))).isNull();

    Path otherPem = write("other-only.pem", otherCa.certificatePem());
    assertThat(lookup(env("CONSUL_CACERT", otherPem.toString(), "CONSUL_CAPATH", dir.resolve("cas").toString())))
        .as("CONSUL_CACERT wins over CONSUL_CAPATH, as in Consul's tools").isNotNull();

    Files.writeString(cas.resolve("README"), "not a certificate");
    assertThatThrownBy(() -> lookup(env("CONSUL_CAPATH", dir.resolve("cas").toString())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(cas.resolve("README").toString())
        .hasMessageContaining("BEGIN CERTIFICATE");
  }

  /** The WARN records ConsulTls logs while {@code action} runs (SLF4J is bound to java.util.logging in tests). */
  private static List<String> warningsDuring(ThrowingRunnable action) throws Exception {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(ConsulTls.class.getName());
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        if (r.getLevel() == java.util.logging.Level.WARNING) {
          warnings.add(r.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    try {
      action.run();
    } finally {
      logger.removeHandler(handler);
    }
    return warnings;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void sslVerifyFalseAcceptsAnyCertificateAndSaysSoOnce() throws Exception {
    start("server.dc1.consul", false); // unknown CA and a name that does not match
    List<String> warnings = warningsDuring(() -> assertThat(lookup(env("CONSUL_HTTP_SSL_VERIFY", "false"))).isNull());
    assertThat(warnings).hasSize(1).allMatch(w -> w.contains("verification") && w.contains("tests only"));
  }

  @Test
  void sslVerifyFalseIsSilentForAnHttpAgent() throws Exception {
    server = new MockWebServer();
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    server.enqueue(HttpBackendTest.ok(HttpBackendTest.web("10.0.0.1"), 3));
    Map<String, String> env = env("CONSUL_HTTP_SSL_VERIFY", "false");
    env.put("CONSUL_HTTP_ADDR", "http://127.0.0.1:" + server.getPort());
    assertThat(warningsDuring(() -> assertThat(lookup(env)).isNull())).as("nothing is weakened over http").isEmpty();
  }

  @Test
  void variablesAreReadLikeConsulsTools() {
    assertThat(ConsulEnvironment.none().tls()).isEmpty();
    assertThat(ConsulEnvironment.of(Map.of("CONSUL_HTTP_SSL_VERIFY", "true")).tls()).isEmpty();
    ConsulTls all = ConsulEnvironment.of(Map.of("CONSUL_CACERT", "/etc/consul/ca.pem",
        "CONSUL_CLIENT_CERT", "/etc/consul/cli.pem", "CONSUL_CLIENT_KEY", "/etc/consul/cli-key.pem",
        "CONSUL_TLS_SERVER_NAME", "server.dc1.consul", "CONSUL_HTTP_SSL_VERIFY", "0")).tls().orElseThrow();
    assertThat(all.caPem()).isEqualTo(Path.of("/etc/consul/ca.pem"));
    assertThat(all.mutual()).isTrue();
    assertThat(all.serverName()).isEqualTo("server.dc1.consul");
    assertThat(all.verifies()).isFalse();
    ConsulTls clientOnly = ConsulEnvironment.of(Map.of("CONSUL_CLIENT_CERT", "/c.pem",
        "CONSUL_CLIENT_KEY", "/k.pem")).tls().orElseThrow();
    assertThat(clientOnly.caPem()).as("platform CAs").isNull();
    assertThat(clientOnly.verifies()).isTrue();
    assertThatThrownBy(() -> ConsulEnvironment.of(Map.of("CONSUL_CLIENT_CERT", "/c.pem")).tls())
        .hasMessageContaining("CONSUL_CLIENT_KEY").hasMessageContaining("set both");
    assertThatThrownBy(() -> ConsulEnvironment.of(Map.of("CONSUL_HTTP_SSL_VERIFY", "maybe")).tls())
        .hasMessageContaining("CONSUL_HTTP_SSL_VERIFY").hasMessageContaining("'maybe'");
  }
}
