package dev.discovery.examples;

import static dev.discovery.examples.BackendServerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example frontend over HTTP and over DNS discovery: round robin over the backends, one retry on another
 * instance when a call fails, and failing instances ejected although Consul still lists them as passing.
 */
class FrontendServerTest {
  private ConsulTestAgent consul;
  private final List<BackendServer> backends = new ArrayList<>();
  private ServiceDiscovery discovery;
  private FrontendServer frontend;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    consul = ConsulTestAgent.builder().start();
    // A long TTL: a backend killed during the test stays registered and passing in Consul throughout.
    for (String id : new String[] {"backend-1", "backend-2"}) {
      backends.add(new BackendServer(consul.httpUri(), "backend", id, Duration.ofMinutes(5)).start("127.0.0.1", 0));
    }
  }

  @AfterEach
  void stop() {
    if (frontend != null) {
      frontend.close();
    }
    if (discovery != null) {
      discovery.close();
    }
    backends.forEach(BackendServer::close);
    consul.close();
  }

  private ServiceDiscovery discovery(String kind) {
    return kind.equals("dns")
        ? ConsulDiscovery.dns().server(consul.dnsAddress()).refreshInterval(Duration.ofMillis(200)).build()
        : ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(consul.httpUri()).build();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(frontend.uri().resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends {@code count} requests through the frontend; every one must succeed. Counts the answering backends. */
  private Map<String, Integer> requests(int count) throws Exception {
    Map<String, Integer> spread = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<String> response = get("/");
      assertThat(response.statusCode()).as("request %d: %s", i, response.body()).isEqualTo(200);
      spread.merge(response.body().trim().replace("hello from ", ""), 1, Integer::sum);
    }
    return spread;
  }

  @ParameterizedTest(name = "over {0}")
  @ValueSource(strings = {"http", "dns"})
  void balancesRetriesOnTheOtherInstanceAndEjectsADeadOneStillPassingInConsul(String kind) throws Exception {
    discovery = discovery(kind);
    ServiceSelector selector = ServiceSelector.builder(discovery).failuresToEject(3).build();
    frontend = new FrontendServer(discovery, selector, "backend").start("127.0.0.1", 0);
    ServiceDiscovery view = discovery;
    await("both backends discovered", Duration.ofSeconds(20), () -> view.instances("backend").size() == 2);

    assertThat(requests(10)).isEqualTo(Map.of("backend-1", 5, "backend-2", 5));

    BackendServer dead = backends.get(1);
    dead.crash(); // its socket is closed; heartbeats stop, but the 5-minute TTL keeps it passing
    ServiceInstance deadInstance = discovery.instances("backend").stream()
        .filter(i -> i.port() == dead.port()).findFirst().orElseThrow();

    // Every request succeeds: a call to the dead instance is retried once on the live one.
    assertThat(requests(20)).isEqualTo(Map.of("backend-1", 20));
    assertThat(discovery.instances("backend")).as("Consul still lists it as passing").contains(deadInstance);
    assertThat(selector.isEjected(deadInstance)).as("ejected after consecutive failures").isTrue();
    String status = status();
    assertThat(status).containsPattern(Pattern.quote(deadInstance.address()) + " \\S+ \\S+ EJECTED\\R")
        .containsPattern(Pattern.quote("127.0.0.1:" + backends.get(0).port()) + " \\S+ \\S+\\R");
    assertThat(status.lines()).hasSize(3);
    long retried = retries(status);
    assertThat(retried).as("calls to the dead instance were retried").isGreaterThanOrEqualTo(3);

    // Once ejected, the dead instance is not even tried: no call is retried any more.
    assertThat(requests(10)).isEqualTo(Map.of("backend-1", 10));
    assertThat(retries(status())).isEqualTo(retried);
  }

  private String status() throws Exception {
    HttpResponse<String> response = get("/status");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static long retries(String status) {
    Matcher m = Pattern.compile("# (\\d+) calls retried on another instance").matcher(status);
    assertThat(m.find()).as(status).isTrue();
    return Long.parseLong(m.group(1));
  }
}
