package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ConsulTls;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Protocol;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches over HTTPS to an agent that speaks HTTP/2, as Consul does on its HTTPS port: the client negotiates h2
 * (ALPN) and every parked blocking query is a stream of one connection, where HTTP/1.1 holds one connection per
 * query. MockWebServer stands in for the agent (the testkit has no TLS): it answers the first read of each service
 * at once and parks the blocking reads that follow.
 */
class Http2Test {
  private static final int SERVICES = 20;
  @TempDir Path dir;
  private final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0)
      .commonName("Consul Agent CA").build();
  private final HeldCertificate cert = new HeldCertificate.Builder().commonName("server.dc1.consul")
      .addSubjectAlternativeName("127.0.0.1").signedBy(ca).build();
  private final MockWebServer server = new MockWebServer();

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private HttpBackend start(List<Protocol> serverProtocols) throws Exception {
    return start(serverProtocols, ConsulDiscovery.http());
  }

  private HttpBackend start(List<Protocol> serverProtocols, ConsulHttpBuilder builder) throws Exception {
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert, ca.certificate()).build()
        .sslSocketFactory(), false);
    server.setProtocols(serverProtocols);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String service = request.getRequestUrl().pathSegments().get(3);
        MockResponse answer = HttpBackendTest.ok(Bodies.array(
            Bodies.entry("n1", "10.0.0.1", service + "-1", service, "", 8080, List.of(), "passing")), 7);
        // A read with ?index=7 is a blocking query on an unchanged service: parked for a while (short enough for
        // the server to shut down after the test), then answered unchanged, and parked again.
        return request.getRequestUrl().queryParameter("index") == null ? answer
            : answer.setHeadersDelay(2, TimeUnit.SECONDS);
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    Path caPem = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    return builder.environment(ConsulEnvironment.none())
        .agents(URI.create("https://127.0.0.1:" + server.getPort())).tls(ConsulTls.trusting(caPem)).buildBackend();
  }

  private int parkedConnections(HttpBackend backend) throws Exception {
    try (CachingDiscovery discovery = CachingDiscovery.builder(backend).build()) {
      for (int i = 0; i < SERVICES; i++) {
        assertThat(discovery.instances(ServiceQuery.of("svc-" + i))).hasSize(1);
      }
      Await.until("every service's blocking query to be parked", () -> server.getRequestCount() >= 2 * SERVICES);
      return backend.connectionCount();
    }
  }

  @Test
  void overHttp2EveryParkedQueryIsAStreamOfOneConnection() throws Exception {
    HttpBackend backend = start(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    assertThat(parkedConnections(backend)).as("connections held with %d queries parked", SERVICES).isEqualTo(1);
  }

  @Test
  void overHttp11EachParkedQueryHoldsAConnection() throws Exception {
    HttpBackend backend = start(List.of(Protocol.HTTP_1_1));
    assertThat(parkedConnections(backend)).as("connections held with %d queries parked", SERVICES)
        .isGreaterThanOrEqualTo(SERVICES);
  }

  /** A budget of 8 connections (7 parked slots over HTTP/1.1), with parked calls costing no thread (Java 24+). */
  private static WatchBudget budgetOnVirtualThreads() {
    return WatchBudget.of(8, WatchBudget.DEFAULT_GROW_BACK, Duration.ofSeconds(1), WatchBudget.DEFAULT_FEED_REFRESH,
        true);
  }

  /** Watches {@code services} services until {@code parked} of them are parked; returns the connections held. */
  private int watchAll(HttpBackend backend, WatchBudget budget, int services, int parked) throws Exception {
    try (CachingDiscovery discovery = CachingDiscovery.builder(backend).build()) {
      for (int i = 0; i < services; i++) {
        assertThat(discovery.instances(ServiceQuery.of("svc-" + i))).hasSize(1);
      }
      Await.until(parked + " queries parked (" + budget + ")", () -> budget.parked() == parked);
      return backend.connectionCount();
    }
  }

  @Test
  void overHttp2TheBudgetParksEveryQueryOnOneConnectionWhereParkedCallsCostNoThread() throws Exception {
    WatchBudget budget = budgetOnVirtualThreads();
    HttpBackend backend = start(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1),
        ConsulDiscovery.http().watchBudget(budget).changeFeed(false));
    int services = 40;
    int connections = watchAll(backend, budget, services, services);
    assertThat(budget.multiplexed()).isTrue();
    assertThat(connections).as("connections with %d parked queries", services).isEqualTo(1);
  }

  @Test
  void overHttp11TheSameBudgetKeepsOneConnectionPerParkedQuery() throws Exception {
    WatchBudget budget = budgetOnVirtualThreads();
    HttpBackend backend = start(List.of(Protocol.HTTP_1_1),
        ConsulDiscovery.http().watchBudget(budget).changeFeed(false));
    watchAll(backend, budget, 40, BudgetLimit.slots(8));
    assertThat(budget.multiplexed()).isFalse();
  }
}
