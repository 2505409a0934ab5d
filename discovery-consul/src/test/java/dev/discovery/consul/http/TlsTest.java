package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ConsulTls;
import dev.discovery.consul.ServiceRegistration;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS to the agent with a CA the test generates, and mutual TLS with a client certificate. */
class TlsTest {
  @TempDir Path dir;
  private final HeldCertificate serverCa = new HeldCertificate.Builder().certificateAuthority(0)
      .commonName("Consul Agent CA").build();
  private final HeldCertificate clientCa = new HeldCertificate.Builder().certificateAuthority(0)
      .commonName("Client CA").build();
  private final HeldCertificate serverCert = new HeldCertificate.Builder().commonName("server.dc1.consul")
      .addSubjectAlternativeName("127.0.0.1").signedBy(serverCa).build();
  private final HeldCertificate clientCert = new HeldCertificate.Builder().commonName("client.dc1.consul")
      .signedBy(clientCa).build();
  private MockWebServer server;
  private Path caPem;
  private Path certPem;
  private Path keyPem;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
        .heldCertificate(serverCert, serverCa.certificate())
        .addTrustedCertificate(clientCa.certificate())
        .build();
    server.useHttps(serverCerts.sslSocketFactory(), false);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    caPem = Files.writeString(dir.resolve("ca.pem"), serverCa.certificatePem());
    certPem = Files.writeString(dir.resolve("client.pem"), clientCert.certificatePem());
    keyPem = Files.writeString(dir.resolve("client-key.pem"), clientCert.privateKeyPkcs8Pem());
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private URI agent() {
    return URI.create("https://127.0.0.1:" + server.getPort());
  }

  private ConsulHttpBuilder builder(ConsulTls tls) {
    return ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(agent()).tls(tls)
        .errorBackoff(Duration.ofMillis(10), Duration.ofMillis(20));
  }

  private static MockResponse web() {
    return HttpBackendTest.ok(HttpBackendTest.web("10.0.0.1"), 3);
  }

  @Test
  void httpsWithACustomCa() throws Exception {
    server.enqueue(web());
    try (CachingDiscovery discovery = builder(ConsulTls.trusting(caPem)).build()) {
      assertThat(discovery.instances(ServiceQuery.of("web"))).extracting(ServiceInstance::host)
          .containsExactly("10.0.0.1");
    }
  }

  @Test
  void mutualTls() throws Exception {
    server.requireClientAuth();
    server.enqueue(web());
    try (CachingDiscovery discovery = builder(ConsulTls.trusting(caPem).withClientCertificate(certPem, keyPem))
        .build()) {
      assertThat(discovery.instances(ServiceQuery.of("web"))).hasSize(1);
    }
    assertThat(server.takeRequest().getHandshake().peerCertificates()).hasSize(1);
  }

  /**
   * Keys as {@code consul tls cert create} (SEC 1, "EC PRIVATE KEY") and {@code openssl genrsa -traditional}
   * (PKCS#1, "RSA PRIVATE KEY") write them: files made by OpenSSL, see src/test/resources/tls/README.md.
   */
  @Test
  void mutualTlsWithKeysInTheFormatsConsulAndOpensslWrite() throws Exception {
    for (String name : new String[] {"client-ec", "client-rsa"}) {
      String certText = resource("tls/" + name + ".pem");
      String keyFile = name.equals("client-ec") ? "client-ec-sec1.key" : "client-rsa-pkcs1.key";
      MockWebServer strict = new MockWebServer();
      strict.useHttps(new HandshakeCertificates.Builder()
          .heldCertificate(serverCert, serverCa.certificate())
          .addTrustedCertificate(okhttp3.tls.Certificates.decodeCertificatePem(certText))
          .build().sslSocketFactory(), false);
      strict.requireClientAuth();
      strict.enqueue(web());
      strict.start(InetAddress.getByName("127.0.0.1"), 0);
      try {
        Path cert = Files.writeString(dir.resolve(name + ".pem"), certText);
        Path key = Files.writeString(dir.resolve(keyFile), resource("tls/" + keyFile));
        try (CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
            .agents(URI.create("https://127.0.0.1:" + strict.getPort()))
            .tls(ConsulTls.trusting(caPem).withClientCertificate(cert, key)).build()) {
          assertThat(discovery.instances(ServiceQuery.of("web"))).as(keyFile).hasSize(1);
        }
        assertThat(strict.takeRequest().getHandshake().peerCertificates()).as(keyFile).hasSize(1);
      } finally {
        strict.shutdown();
      }
    }
  }

  private static String resource(String name) throws Exception {
    try (java.io.InputStream in = TlsTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    }
  }

  @Test
  void mutualTlsWithoutAClientCertificateFails() throws Exception {
    server.requireClientAuth();
    server.enqueue(web());
    HttpBackend backend = builder(ConsulTls.trusting(caPem)).buildBackend();
    try {
      Throwable e = backend.fetch(ServiceQuery.of("web")).handle((a, t) -> t).get(10, TimeUnit.SECONDS);
      assertThat(e).isNotNull().hasMessageContaining("cannot reach consul agent");
    } finally {
      backend.close();
    }
  }

  @Test
  void anUntrustedAgentCertificateIsRefused() throws Exception {
    HeldCertificate otherCa = new HeldCertificate.Builder().certificateAuthority(0).build();
    Path other = Files.writeString(dir.resolve("other.pem"), otherCa.certificatePem());
    server.enqueue(web());
    HttpBackend backend = builder(ConsulTls.trusting(other)).buildBackend();
    try {
      Throwable e = backend.fetch(ServiceQuery.of("web")).handle((a, t) -> t).get(10, TimeUnit.SECONDS);
      assertThat(e).isNotNull().hasMessageContaining("SSL");
    } finally {
      backend.close();
    }
  }

  @Test
  void unusableFilesAreNamedAtBuildTime() throws Exception {
    Path encrypted = Files.writeString(dir.resolve("rsa.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> builder(ConsulTls.trusting(caPem).withClientCertificate(certPem, encrypted)).build())
        .hasMessageContaining("rsa.pem").hasMessageContaining("encrypted").hasMessageContaining("openssl pkey");
    Path notAKey = Files.writeString(dir.resolve("cert-as-key.pem"), clientCert.certificatePem());
    assertThatThrownBy(() -> builder(ConsulTls.trusting(caPem).withClientCertificate(certPem, notAKey)).build())
        .hasMessageContaining("cert-as-key.pem").hasMessageContaining("BEGIN EC PRIVATE KEY");
    assertThatThrownBy(() -> builder(ConsulTls.trusting(dir.resolve("missing.pem"))).build())
        .hasMessageContaining("missing.pem");
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
    assertThatThrownBy(() -> builder(ConsulTls.trusting(junk)).build())
        .hasMessageContaining("junk.pem").hasMessageContaining("BEGIN CERTIFICATE");
  }

  /** An agent whose certificate names another host and comes from a CA the client was never given. */
  private void serveAStrangersCertificate(boolean requireClientCertificate) throws Exception {
    server.shutdown();
    HeldCertificate strangerCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("Stranger CA").build();
    HeldCertificate stranger = new HeldCertificate.Builder().commonName("consul.elsewhere.example")
        .addSubjectAlternativeName("consul.elsewhere.example").signedBy(strangerCa).build();
    server = new MockWebServer();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(stranger, strangerCa.certificate())
        .addTrustedCertificate(clientCa.certificate()).build().sslSocketFactory(), false);
    if (requireClientCertificate) {
      server.requireClientAuth();
    }
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @Test
  void insecureAcceptsAnyCertificateAndHostName() throws Exception {
    serveAStrangersCertificate(false);
    server.enqueue(new MockResponse().setResponseCode(200));
    server.enqueue(new MockResponse().setResponseCode(200));
    ConsulTls insecure = ConsulTls.insecure();
    assertThat(insecure.verifies()).isFalse();
    assertThat(insecure.toString()).contains("verification OFF");
    try (ConsulAgent agent = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(agent())
        .tls(insecure).build()) {
      agent.registerService(ServiceRegistration.of("web", "10.0.0.5", 8080));
    }
    assertThat(server.takeRequest().getPath()).isEqualTo("/v1/agent/service/register");
    // The same agent with verification on is refused: it is the insecure setting that let the call through.
    try (ConsulAgent verifying = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(agent())
        .tls(ConsulTls.trusting(caPem)).build()) {
      assertThatThrownBy(() -> verifying.registerService(ServiceRegistration.of("web", "10.0.0.5", 8080)))
          .hasMessageContaining("TLS with consul agent").hasMessageContaining("SSLHandshakeException");
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void insecureStillPresentsAClientCertificate() throws Exception {
    serveAStrangersCertificate(true);
    server.enqueue(new MockResponse().setResponseCode(200));
    try (ConsulAgent agent = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(agent())
        .tls(ConsulTls.insecure().withClientCertificate(certPem, keyPem)).build()) {
      agent.registerService(ServiceRegistration.of("web", "10.0.0.5", 8080));
    }
    assertThat(server.takeRequest().getHandshake().peerCertificates()).hasSize(1);
  }

  @Test
  void theAgentClientSpeaksMutualTlsToo() throws Exception {
    server.requireClientAuth();
    server.enqueue(new MockResponse().setResponseCode(200));
    try (ConsulAgent agent = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(agent())
        .tls(ConsulTls.trusting(caPem).withClientCertificate(certPem, keyPem)).build()) {
      agent.registerService(ServiceRegistration.of("web", "10.0.0.5", 8080));
    }
    assertThat(server.takeRequest().getPath()).isEqualTo("/v1/agent/service/register");
    assertThat(List.of(server.getRequestCount())).containsExactly(1);
  }
}
