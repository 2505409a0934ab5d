package dev.discovery.consul.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.Health;
import dev.discovery.InvalidQueryException;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.http.ConsulHttpBuilder;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service that starts while its Consul agent cannot be reached serves the answer an earlier run persisted
 * ({@code cache(c -> c.persistTo(dir))}), with its real age, until the agent answers; against the testkit, whose
 * {@code dropConnections} closes every connection unanswered as a dead agent would. The earlier and the later run
 * are two discoveries in this JVM; the file's age comes from the fixed wall clocks they are given.
 */
class ColdStartFromDiskTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web").withTags("v1");
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Duration DOWN_FOR = Duration.ofMinutes(3);

  @TempDir
  Path dir;
  private ConsulTestAgent kit;

  @BeforeEach
  void start() {
    kit = ConsulTestAgent.builder().start();
    kit.registerNodeService("n1", "10.0.0.1", "{\"Name\":\"web\",\"ID\":\"web-1\",\"Port\":8080,\"Tags\":[\"v1\"],"
        + "\"Meta\":{\"version\":\"1.2.3\"},\"Weights\":{\"Passing\":5,\"Warning\":1}}");
  }

  @AfterEach
  void stop() {
    kit.close();
  }

  private ConsulHttpBuilder http(Instant now) {
    return ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(kit.httpUri())
        .waitTime(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1))
        .errorBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .cache(c -> c.persistTo(dir).maxDiskStaleness(Duration.ofHours(1)).clock(Clock.fixed(now, ZoneOffset.UTC)));
  }

  private long answerFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".snapshot")).count();
    }
  }

  /** A first run: looks the service up, and closes once its answer is on disk. */
  private List<ServiceInstance> earlierRun() throws IOException {
    try (CachingDiscovery before = http(T0).build()) {
      List<ServiceInstance> answer = before.instances(WEB);
      assertThat(answer).hasSize(1);
      Await.until("the answer to be persisted", () -> {
        try {
          return answerFiles() == 1;
        } catch (IOException e) {
          return false;
        }
      });
      return answer;
    }
  }

  @Test
  void aColdStartWithTheAgentDownServesThePersistedAnswerWithItsAgeUntilTheAgentAnswers() throws IOException {
    List<ServiceInstance> persisted = earlierRun();

    kit.dropConnections(true);
    try (CachingDiscovery later = http(T0.plus(DOWN_FOR)).build()) {
      assertThat(later.instances(WEB)).as("served from disk, every field as persisted").isEqualTo(persisted);
      ServiceSnapshot fromDisk = later.snapshot(WEB);
      assertThat(fromDisk.fromDisk()).isTrue();
      assertThat(fromDisk.stale()).isTrue();
      assertThat(fromDisk.age()).as("the file's age, then the time since it was read")
          .isGreaterThanOrEqualTo(DOWN_FOR).isLessThan(Duration.ofHours(1));
      assertThat(fromDisk.lastError()).contains("cannot reach consul agent");

      kit.registerNodeService("n2", "10.0.0.2", "{\"Name\":\"web\",\"ID\":\"web-2\",\"Port\":8080,\"Tags\":[\"v1\"]}");
      kit.dropConnections(false);
      Await.until("the agent's answer to replace the persisted one", () -> !later.snapshot(WEB).fromDisk());
      ServiceSnapshot live = later.snapshot(WEB);
      assertThat(live.stale()).isFalse();
      assertThat(live.instances()).extracting(ServiceInstance::id).containsExactlyInAnyOrder("n1/web-1", "n2/web-2");
    }
  }

  @Test
  void aClientOfAnotherAgentDoesNotReadTheFile() throws IOException {
    earlierRun();
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (CachingDiscovery elsewhere = http(T0).agents(java.net.URI.create("http://127.0.0.1:" + closedPort))
        .build()) {
      assertThatThrownBy(() -> elsewhere.instances(WEB)).isInstanceOf(RegistryUnavailableException.class);
    }
  }

  @Test
  void aRefusedTokenIsNotAnsweredFromDisk() throws IOException {
    earlierRun();
    kit.failNext(1000, 403, "ACL not found");
    try (CachingDiscovery later = http(T0).build()) {
      assertThatThrownBy(() -> later.instances(WEB)).isInstanceOf(InvalidQueryException.class)
          .hasMessageContaining("refused the ACL token");
    } finally {
      kit.failNext(0, 403, "");
    }
  }

  @Test
  void theDnsBackendPersistsAndServesItsAnswersTheSameWay() {
    kit.registerNodeService("n3", "10.0.0.3", "{\"Name\":\"api\",\"ID\":\"api-1\",\"Port\":9090}");
    ServiceQuery api = ServiceQuery.of("api");
    java.util.function.Function<Instant, CachingDiscovery> dns = now -> ConsulDiscovery.dns()
        .server(kit.dnsAddress()).timeout(Duration.ofMillis(300)).refreshInterval(Duration.ofMillis(200))
        .cache(c -> c.persistTo(dir).clock(Clock.fixed(now, ZoneOffset.UTC))).build();
    List<ServiceInstance> persisted;
    try (CachingDiscovery before = dns.apply(T0)) {
      persisted = before.instances(api);
      assertThat(persisted).extracting(ServiceInstance::address, ServiceInstance::health)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("10.0.0.3:9090", Health.UNKNOWN));
      Await.until("the DNS answer to be persisted", () -> {
        try {
          return answerFiles() == 1;
        } catch (IOException e) {
          return false;
        }
      });
    }
    kit.dropConnections(true);
    try (CachingDiscovery later = dns.apply(T0.plus(DOWN_FOR))) {
      assertThat(later.instances(api)).isEqualTo(persisted);
      assertThat(later.snapshot(api).fromDisk()).isTrue();
      assertThat(later.snapshot(api).age()).isGreaterThanOrEqualTo(DOWN_FOR);
      kit.dropConnections(false);
      Await.until("a DNS answer to replace the persisted one", () -> !later.snapshot(api).fromDisk());
    }
  }
}
