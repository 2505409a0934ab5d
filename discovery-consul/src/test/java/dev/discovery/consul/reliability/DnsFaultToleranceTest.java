package dev.discovery.consul.reliability;

import static dev.discovery.consul.reliability.Probe.await;
import static dev.discovery.consul.reliability.Probe.hosts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.reliability.FaultyDnsProxy.Mode;
import dev.discovery.consul.reliability.Probe.Resources;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DNS faults between the DNS backend and the testkit agent's DNS interface, injected by a relay: each one
 * keeps the last good answer in the cache, reported stale with the failure, asks again no faster than the
 * refresh interval, and gives way to fresh answers once the fault ends.
 */
class DnsFaultToleranceTest {
  private static final ServiceQuery QUERY = ServiceQuery.of("web");
  private static final Duration REFRESH = Duration.ofMillis(200);
  private static final Duration MAX_STALENESS = Duration.ofMinutes(2);
  /**
   * The relay must answer within it, or the first lookup fails for good (there is no DNS retry): generous for a
   * slow, shared machine. A silent relay costs it once per refresh, still well within the waits below.
   */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private ConsulTestAgent kit;
  private FaultyDnsProxy proxy;
  private CachingDiscovery discovery;
  private Resources baseline;

  @BeforeEach
  void start() throws Exception {
    kit = ConsulTestAgent.builder().nodeName("node1").start();
    proxy = new FaultyDnsProxy(kit.dnsAddress());
    baseline = Resources.now();
  }

  @AfterEach
  void stop() throws Exception {
    if (discovery != null) {
      discovery.close();
    }
    proxy.close();
    kit.close();
  }

  @ParameterizedTest
  @EnumSource(value = Mode.class, names = "RELAY", mode = EnumSource.Mode.EXCLUDE)
  void theLastGoodAnswerIsServedStaleThroughTheFaultAndRefreshedAfter(Mode fault) {
    kit.registerNodeService("n1", "10.0.0.1", "{\"Name\":\"web\",\"ID\":\"w1\",\"Port\":80}");
    discovery = ConsulDiscovery.dns().server(proxy.address()).timeout(TIMEOUT)
        .refreshInterval(REFRESH).cache(c -> c.maxStaleness(MAX_STALENESS)).build();
    await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1")), "the first answer");

    proxy.mode(fault);
    await(() -> discovery.snapshot(QUERY).stale(), fault + " to be noticed by a refresh");
    ServiceSnapshot during = discovery.snapshot(QUERY);
    assertThat(during.lastError()).as("the reason reported while %s lasts", fault).isNotBlank();
    long t0 = System.nanoTime(); // the timed interval encloses both counts
    long before = proxy.questions();
    Probe.lookupsKeepAnswering(discovery, QUERY, List.of("10.0.0.1"), Duration.ofSeconds(1), MAX_STALENESS);
    long questions = proxy.questions() - before;
    long elapsed = System.nanoTime() - t0;
    // A refresh is at most a UDP question and its follow-ups; refreshes are a back-off apart, never a spin.
    assertThat(questions).as("questions during %d ms of %s", elapsed / 1_000_000, fault)
        .isLessThanOrEqualTo(6 + 3 * (elapsed / Duration.ofMillis(100).toNanos()));
    assertThat(discovery.snapshot(QUERY).stale()).isTrue();

    proxy.mode(Mode.RELAY);
    kit.registerNodeService("n2", "10.0.0.2", "{\"Name\":\"web\",\"ID\":\"w2\",\"Port\":80}");
    await(() -> hosts(discovery.instances(QUERY)).equals(List.of("10.0.0.1", "10.0.0.2")),
        "the change made after " + fault + " to be seen");
    await(() -> !discovery.snapshot(QUERY).stale(), "the snapshot to be fresh after " + fault);
    discovery.close();
    discovery = null;
    baseline.awaitReleased(8, kit.httpPort());
  }
}
