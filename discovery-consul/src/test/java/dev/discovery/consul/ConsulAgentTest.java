package dev.discovery.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsulAgentTest {
  private static final String TOKEN = "3f1c9a52-secret-token-7d41";
  private MockWebServer server;
  private FakeAgentDispatcher agentState;
  private ConsulAgent agent;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    agentState = new FakeAgentDispatcher();
    server.setDispatcher(agentState);
    server.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    agent = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(uri()).token(TOKEN)
        .timeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
    server.shutdown();
  }

  private URI uri() {
    return URI.create("http://127.0.0.1:" + server.getPort());
  }

  @Test
  void registersWithTheTokenInTheHeaderOnly() throws Exception {
    agent.registerService(ServiceRegistration.builder("web").id("web-1").address("10.0.0.5").port(8080).build());
    RecordedRequest r = agentState.requests.get(0);
    assertThat(r.getMethod()).isEqualTo("PUT");
    assertThat(r.getPath()).isEqualTo("/v1/agent/service/register");
    assertThat(r.getHeader("X-Consul-Token")).isEqualTo(TOKEN);
    assertThat(r.getPath()).doesNotContain(TOKEN);
    assertThat(agentState.services).containsKey("web-1");
    assertThat(agent.services()).extracting(AgentService::id).containsExactly("web-1");
    assertThat(agent.toString()).doesNotContain(TOKEN);
  }

  @Test
  void deregisteringAnUnknownIdIsAClearNotFound() {
    assertThatThrownBy(() -> agent.deregisterService("web-9"))
        .isInstanceOfSatisfying(ConsulAgentException.class, e -> {
          assertThat(e.notFound()).isTrue();
          assertThat(e.getMessage()).contains("web-9").contains("service ID").doesNotContain(TOKEN);
        });
  }

  @Test
  void aRefusedTokenSaysWhichPermissionIsNeeded() {
    agentState.override = new MockResponse().setResponseCode(403)
        .setBody("Permission denied: token with AccessorID 'a1b2' lacks permission 'service:write' on \"web\"");
    assertThatThrownBy(() -> agent.registerService(ServiceRegistration.of("web", "10.0.0.5", 80)))
        .isInstanceOfSatisfying(ConsulAgentException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.getMessage()).contains("refused the ACL token").contains("service:write")
              .doesNotContain(TOKEN);
        });
  }

  @Test
  void a401WithoutBasicCredentialsAsksForThemNotForPatience() {
    agentState.override = new MockResponse().setResponseCode(401).setBody("401 Authorization Required");
    assertThatThrownBy(agent::services).isInstanceOfSatisfying(ConsulAgentException.class, e -> {
      assertThat(e.status()).isEqualTo(401);
      assertThat(e.getMessage()).isEqualTo("consul agent " + uri() + " answered GET /v1/agent/services (to list"
          + " services) with HTTP 401: 401 Authorization Required; Consul itself never answers 401, so a proxy in"
          + " front of the agent requires HTTP basic authentication: set basic credentials (user and password) on"
          + " this client");
    });
  }

  @Test
  void a403WithoutATokenSaysNoneWasSent() throws Exception {
    agentState.override = new MockResponse().setResponseCode(403)
        .setBody("Permission denied: anonymous token lacks permission 'service:write' on \"web\"");
    try (ConsulAgent anonymous = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(uri())
        .timeout(Duration.ofSeconds(5)).build()) {
      assertThatThrownBy(() -> anonymous.registerService(ServiceRegistration.of("web", "10.0.0.5", 80)))
          .isInstanceOfSatisfying(ConsulAgentException.class, e -> assertThat(e.getMessage())
              .endsWith("; no ACL token was sent, and the anonymous token lacks service:write on 'web': give this"
                  + " client a token with it")
              .doesNotContain("refused the ACL token"));
    }
  }

  @Test
  void aTlsFailureIsNotCalledUnreachable() throws Exception {
    // An HTTPS agent whose certificate comes from a CA this client does not trust: the port answers, TLS fails.
    okhttp3.tls.HeldCertificate ca = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0).build();
    okhttp3.tls.HeldCertificate cert = new okhttp3.tls.HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1")
        .signedBy(ca).build();
    MockWebServer https = new MockWebServer();
    https.useHttps(new okhttp3.tls.HandshakeCertificates.Builder().heldCertificate(cert, ca.certificate()).build()
        .sslSocketFactory(), false);
    https.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    try (ConsulAgent tls = ConsulAgent.builder().environment(ConsulEnvironment.none())
        .uri(URI.create("https://127.0.0.1:" + https.getPort())).timeout(Duration.ofSeconds(5)).build()) {
      assertThatThrownBy(tls::services).isInstanceOfSatisfying(ConsulAgentException.class, e -> {
        assertThat(e.status()).isZero();
        assertThat(e.getMessage()).startsWith("TLS with consul agent https://127.0.0.1:" + https.getPort()
                + " failed, so it was not asked to list services (SSLHandshakeException: ")
            .endsWith("); check the CA this client trusts for the agent's certificate (ConsulTls, CONSUL_CACERT)"
                + " and the scheme: https:// only for the agent's HTTPS port")
            .doesNotContain("cannot reach").doesNotContain("running");
      });
    } finally {
      https.shutdown();
    }
  }

  @Test
  void aBadRequestCarriesConsulsReason() {
    agentState.override = new MockResponse().setResponseCode(400).setBody("Invalid check: TTL must be > 0 for TTL checks");
    assertThatThrownBy(() -> agent.registerService(ServiceRegistration.of("web", "10.0.0.5", 80)))
        .hasMessageContaining("HTTP 400").hasMessageContaining("TTL must be > 0");
  }

  @Test
  void anUnreachableAgentIsReportedWithStatusZero() throws Exception {
    URI dead;
    try (MockWebServer closed = new MockWebServer()) {
      closed.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
      dead = URI.create("http://127.0.0.1:" + closed.getPort());
    }
    try (ConsulAgent a = ConsulAgent.create(dead)) {
      assertThatThrownBy(a::services).isInstanceOfSatisfying(ConsulAgentException.class, e -> {
        assertThat(e.status()).isZero();
        assertThat(e.getMessage()).contains("cannot reach consul agent");
      });
    }
  }

  @Test
  void catalogServicesListsEveryKnownServiceWithItsTagsAndTheIndex() throws Exception {
    agentState.override = new MockResponse().setResponseCode(200).setHeader("X-Consul-Index", "42")
        .setBody(Fixtures.consul("catalog-services.json"));
    ServiceCatalog catalog = agent.catalogServices("dc2");
    assertThat(catalog.names()).containsExactly("consul", "postgresql", "redis");
    assertThat(catalog.tags("postgresql")).containsExactly("primary", "secondary");
    assertThat(catalog.contains("redis")).isTrue();
    assertThat(catalog.contains("nosuch")).isFalse();
    assertThat(catalog.tags("nosuch")).isEmpty();
    assertThat(catalog.index()).isEqualTo(42);
    RecordedRequest r = agentState.requests.get(agentState.requests.size() - 1);
    assertThat(r.getMethod()).isEqualTo("GET");
    assertThat(r.getRequestUrl().encodedPath()).isEqualTo("/v1/catalog/services");
    assertThat(r.getRequestUrl().queryParameter("dc")).isEqualTo("dc2");
    assertThat(r.getRequestUrl().queryParameter("index")).isNull();
    assertThat(r.getHeader("X-Consul-Token")).isEqualTo(TOKEN);
    assertThat(r.getPath()).doesNotContain(TOKEN);
  }

  @Test
  void aBlockingCatalogReadSendsIndexAndWaitAndResetsAnIndexThatWentBackwards() throws Exception {
    agentState.override = new MockResponse().setResponseCode(200).setHeader("X-Consul-Index", "7")
        .setBody("{\"web\": null}");
    ServiceCatalog catalog = agent.catalogServices(null, 42, Duration.ofSeconds(2));
    RecordedRequest r = agentState.requests.get(agentState.requests.size() - 1);
    assertThat(r.getRequestUrl().queryParameter("index")).isEqualTo("42");
    assertThat(r.getRequestUrl().queryParameter("wait")).isEqualTo("2000ms");
    assertThat(r.getRequestUrl().queryParameter("dc")).isNull();
    assertThat(catalog.tags("web")).as("null tags, as some Consul versions send").isEmpty();
    assertThat(catalog.index()).as("7 after 42 went backwards: start again from 0").isZero();

    assertThatThrownBy(() -> agent.catalogServices(null, 1, Duration.ofMinutes(11)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 min");
  }

  @Test
  void aRefusedTokenOrAnUnusableCatalogBodyIsAClearError() {
    agentState.override = new MockResponse().setResponseCode(403).setBody("Permission denied: token " + TOKEN);
    assertThatThrownBy(() -> agent.catalogServices(null))
        .isInstanceOfSatisfying(ConsulAgentException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.getMessage()).contains("service:read").contains("<token>").doesNotContain(TOKEN);
        });

    agentState.override = new MockResponse().setResponseCode(200).setBody("[\"not\", \"an object\"]");
    assertThatThrownBy(() -> agent.catalogServices(null))
        .isInstanceOf(ConsulAgentException.class).hasMessageContaining("cannot use");
    agentState.override = new MockResponse().setResponseCode(200).setBody("{\"web\": [1]}");
    assertThatThrownBy(() -> agent.catalogServices(null))
        .isInstanceOf(ConsulAgentException.class).hasMessageContaining("service 'web'");
  }

  @Test
  void maintenanceAndTtlUpdatesUseTheDocumentedPaths() throws Exception {
    agent.registerService(ServiceRegistration.builder("web").id("web-1")
        .check(CheckDefinition.ttl(Duration.ofSeconds(30))).build());
    agent.maintenance("web-1", true, "deploying v2");
    agent.warnTtl("service:web-1", "slow");
    assertThat(agentState.checks).containsEntry("service:web-1", "warning");
    agent.failTtl("service:web-1", null);
    assertThat(agentState.checks).containsEntry("service:web-1", "critical");
    agent.passTtl("service:web-1", null);
    assertThat(agentState.checks).containsEntry("service:web-1", "passing");
    RecordedRequest maintenance = agentState.requests.stream()
        .filter(r -> r.getPath().startsWith("/v1/agent/service/maintenance/")).findFirst().orElseThrow();
    assertThat(maintenance.getRequestUrl().queryParameter("enable")).isEqualTo("true");
    assertThat(maintenance.getRequestUrl().queryParameter("reason")).isEqualTo("deploying v2");
    RecordedRequest warn = agentState.requests.stream()
        .filter(r -> r.getPath().startsWith("/v1/agent/check/warn/")).findFirst().orElseThrow();
    assertThat(warn.getRequestUrl().queryParameter("note")).isEqualTo("slow");
    assertThatThrownBy(() -> agent.passTtl("nope", null))
        .isInstanceOfSatisfying(ConsulAgentException.class, e -> assertThat(e.notFound()).isTrue());
  }

  @Test
  void managedRegistrationHeartbeatsReRegistersAfterARestartAndDeregistersOnClose() {
    Registration reg = agent.register(ServiceRegistration.builder("web").id("web-1").port(8080)
        .check(CheckDefinition.ttl(Duration.ofMillis(300))).build());
    // registered passing from the start, so lookups see it at once
    assertThat(agentState.checks).containsEntry("service:web-1", "passing");
    Await.until("two heartbeats", () -> agentState.count("PUT", "/v1/agent/check/pass/service:web-1") >= 2);

    agentState.restart();
    Await.until("re-registration after the agent forgot the service",
        () -> agentState.services.containsKey("web-1") && agentState.checks.containsKey("service:web-1"));
    assertThat(agentState.count("PUT", "/v1/agent/service/register")).isEqualTo(2);
    Await.until("healthy again", reg::healthy);

    reg.close();
    assertThat(agentState.services).doesNotContainKey("web-1");
    long after = agentState.count("PUT", "/v1/agent/check/pass/");
    long registersAfter = agentState.count("PUT", "/v1/agent/service/register");
    // More than one heartbeat period passes with nothing sent: a closed registration is silent.
    try {
      Thread.sleep(400);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertThat(agentState.count("PUT", "/v1/agent/check/pass/")).isEqualTo(after);
    assertThat(agentState.count("PUT", "/v1/agent/service/register")).isEqualTo(registersAfter);
    reg.close(); // idempotent
  }

  @Test
  void closingTheAgentDeregistersItsManagedRegistrations() {
    agent.register(ServiceRegistration.builder("web").id("web-2").check(CheckDefinition.ttl(Duration.ofSeconds(30))).build());
    assertThat(agentState.services).containsKey("web-2");
    agent.close();
    assertThat(agentState.services).doesNotContainKey("web-2");
    assertThatThrownBy(agent::services).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void agentsCanShareConnectionsAndCloseIndependently() throws Exception {
    try (MockWebServer other = new MockWebServer()) {
      FakeAgentDispatcher otherState = new FakeAgentDispatcher();
      other.setDispatcher(otherState);
      other.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
      ConsulAgent second = ConsulAgent.builder().environment(ConsulEnvironment.none())
          .uri(URI.create("http://127.0.0.1:" + other.getPort())).sharingConnectionsWith(agent).build();
      second.registerService(ServiceRegistration.of("db", "10.0.0.6", 5432));
      assertThat(otherState.services).containsKey("db");
      assertThat(otherState.requests.get(0).getHeader("X-Consul-Token")).isNull();
      second.close();
      // the first agent's pool survives the second's close
      agent.registerService(ServiceRegistration.of("web", "10.0.0.5", 80));
      assertThat(agentState.services).containsKey("web");
    }
  }

  @Test
  void tokenFileAndEnvironmentDefaults(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "  file-token-123\n");
    ConsulEnvironment env = ConsulEnvironment.of(Map.of(
        "CONSUL_HTTP_ADDR", "127.0.0.1:" + server.getPort(),
        "CONSUL_HTTP_TOKEN", "env-token",
        "CONSUL_HTTP_TOKEN_FILE", file.toString()));
    try (ConsulAgent fromEnv = ConsulAgent.builder().environment(env).build()) {
      assertThat(fromEnv.uri()).isEqualTo(URI.create("http://127.0.0.1:" + server.getPort()));
      fromEnv.services();
    }
    assertThat(agentState.requests.get(agentState.requests.size() - 1).getHeader("X-Consul-Token"))
        .isEqualTo("file-token-123");
  }

  @Test
  void checksAreParsedFromTheAgentsListing() {
    agentState.override = new MockResponse().setResponseCode(200).setBody("{"
        + "\"_service_maintenance:web-1\":{\"Node\":\"n1\",\"CheckID\":\"_service_maintenance:web-1\","
        + "\"Name\":\"Service Maintenance Mode\",\"Status\":\"critical\",\"Notes\":\"deploy\",\"Output\":\"\","
        + "\"ServiceID\":\"web-1\",\"ServiceName\":\"web\",\"ServiceTags\":[],\"Type\":\"maintenance\"},"
        + "\"service:web-1\":{\"Node\":\"n1\",\"CheckID\":\"service:web-1\",\"Name\":\"Service 'web' check\","
        + "\"Status\":\"passing\",\"Notes\":\"\",\"Output\":\"ok\",\"ServiceID\":\"web-1\",\"ServiceName\":\"web\","
        + "\"ServiceTags\":[\"v1\"],\"Type\":\"ttl\",\"Definition\":{}}}");
    assertThat(agent.checks()).containsExactly(
        new AgentCheck("_service_maintenance:web-1", "Service Maintenance Mode", "critical", "web-1", "web", "deploy",
            "", "maintenance"),
        new AgentCheck("service:web-1", "Service 'web' check", "passing", "web-1", "web", "", "ok", "ttl"));
    assertThat(agent.checks().get(0).serviceMaintenance()).isTrue();
    assertThat(agent.checks().get(1).serviceMaintenance()).isFalse();
    assertThat(agentState.requests.get(0).getPath()).isEqualTo("/v1/agent/checks");
    assertThat(agentState.requests.get(0).getHeader("X-Consul-Token")).isEqualTo(TOKEN);

    agentState.override = new MockResponse().setResponseCode(200).setBody("{\"x\":{\"CheckID\":\"x\",\"Status\":3}}");
    assertThatThrownBy(agent::checks).isInstanceOf(ConsulAgentException.class)
        .hasMessageContaining("/v1/agent/checks").hasMessageContaining("check 'x' field Status must be a string");
    agentState.override = new MockResponse().setResponseCode(403).setBody("ACL not found");
    assertThatThrownBy(agent::checks).hasMessageContaining("node:read and service:read").hasMessageNotContaining(TOKEN);
  }

  @Test
  void aFailureNamesTheRequestAndA404HintThatFitsIt() {
    // An agent that does not serve an endpoint: it was reached, and no ID was wrong.
    agentState.override = new MockResponse().setResponseCode(404).setBody("404 page not found");
    assertThatThrownBy(agent::checks).isInstanceOfSatisfying(ConsulAgentException.class, e -> {
      assertThat(e.status()).isEqualTo(404);
      assertThat(e.getMessage()).contains("answered GET /v1/agent/checks").contains("HTTP 404: 404 page not found")
          .contains("older than the API").doesNotContain("check the ID").doesNotContain("unreachable");
    });
    // A TTL update naming a check the agent does not know: the ID is the thing to check.
    assertThatThrownBy(() -> agent.passTtl("service:nosuch", "ok")).isInstanceOfSatisfying(ConsulAgentException.class,
        e -> assertThat(e.getMessage()).contains("PUT /v1/agent/check/pass/service:nosuch")
            .contains("check the ID (not the name)").doesNotContain("older than the API"));
    agentState.override = new MockResponse().setResponseCode(500).setBody("rpc error: No cluster leader");
    assertThatThrownBy(agent::services).hasMessageContaining("GET /v1/agent/services")
        .hasMessageContaining("HTTP 500: rpc error: No cluster leader").hasMessageContaining("retry later");
  }

  @Test
  void basicAuthGoesInTheAuthorizationHeaderAndNowhereElse() throws Exception {
    String password = "s3cret-pass:with-colon";
    try (ConsulAgent withAuth = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(uri())
        .basicAuth("bridge", password).token(TOKEN).build()) {
      withAuth.registerService(ServiceRegistration.of("web", "10.0.0.5", 80));
      RecordedRequest r = agentState.requests.get(0);
      assertThat(r.getHeader("Authorization")).isEqualTo(okhttp3.Credentials.basic("bridge", password));
      assertThat(r.getHeader("X-Consul-Token")).isEqualTo(TOKEN);
      assertThat(r.getPath()).doesNotContain(password).doesNotContain("bridge");
      assertThat(withAuth.toString()).contains("basic auth set").doesNotContain(password).doesNotContain("bridge");

      // A proxy that echoes what it got must not leak the credentials into the exception.
      String encoded = okhttp3.Credentials.basic("bridge", password).substring("Basic ".length());
      agentState.override = new MockResponse().setResponseCode(401)
          .setBody("401 Authorization Required: bad credentials " + encoded + " / " + password);
      assertThatThrownBy(withAuth::services).isInstanceOfSatisfying(ConsulAgentException.class, e -> {
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.getMessage()).contains("HTTP 401").doesNotContain(encoded).doesNotContain(password)
            .endsWith("; Consul itself never answers 401, so a proxy in front of the agent refused the HTTP basic"
                + " credentials: check the user and password");
      });
    }
    assertThatThrownBy(() -> ConsulAgent.builder().basicAuth("a:b", "c"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("':'");
    assertThatThrownBy(() -> ConsulAgent.builder().basicAuth("", "c")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ConsulAgent.builder().basicAuth("u", "bad\npassword"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("bad");
  }
}
