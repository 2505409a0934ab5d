package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.FakeTicker;
import dev.discovery.ServiceInstance;
import dev.discovery.balance.ServiceHandle;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.balance.ZoneKey;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Zones end to end over the HTTP backend: three instances of {@code web} in zone a and three in zone b (service
 * meta {@code zone}), a caller in zone a; two of a's instances go critical in Consul, and the picks spill over.
 */
class ZonesAgainstTestAgentTest {
  private static final int PICKS = 20_000;
  private ConsulTestAgent agent;
  private CachingDiscovery discovery;

  @BeforeEach
  void start() {
    agent = ConsulTestAgent.builder().runChecks(false).start();
    for (int i = 1; i <= 6; i++) {
      String zone = i <= 3 ? "a" : "b";
      agent.registerNodeService("node-" + i, "10.0.0." + i, "{\"Name\":\"web\",\"ID\":\"web-" + i + "\",\"Port\":80,"
          + "\"Meta\":{\"zone\":\"" + zone + "\"},\"Check\":{\"TTL\":\"10m\",\"Status\":\"passing\"}}");
    }
    discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(agent.httpUri()).build();
  }

  @AfterEach
  void stop() {
    discovery.close();
    agent.close();
  }

  private static double shareInA(ServiceHandle web) {
    int inA = 0;
    for (int i = 0; i < PICKS; i++) {
      ServiceInstance picked = web.next();
      inA += "a".equals(picked.meta().get("zone")) ? 1 : 0;
    }
    return (double) inA / PICKS;
  }

  @Test
  void picksStayInTheCallersZoneUntilItLosesInstancesThenSpillOverAsComputed() {
    FakeTicker clock = new FakeTicker();
    ServiceSelector selector = ServiceSelector.builder(discovery).ticker(clock)
        .zone("a", ZoneKey.serviceMeta("zone")).build();
    ServiceHandle web = selector.forService("web");
    assertThat(shareInA(web)).isEqualTo(1.0);

    agent.setServiceHealth("web-1", "critical"); // 2 of 3 left: 1.4 x 2/3 = 0.933 of the picks stay
    Await.until("web-1 to leave the answer", () -> discovery.instances("web").size() == 5);
    assertThat(shareInA(web)).isCloseTo(1.4 * 2 / 3, Offset.offset(0.03));
    agent.setServiceHealth("web-2", "critical"); // 1 of 3 left: 0.467
    Await.until("web-2 to leave the answer", () -> discovery.instances("web").size() == 4);
    assertThat(shareInA(web)).isCloseTo(1.4 / 3, Offset.offset(0.03));
    assertThat(web.localZoneShare().getAsDouble()).isCloseTo(1.4 / 3, Offset.offset(0.001));

    agent.setServiceHealth("web-1", "passing");
    agent.setServiceHealth("web-2", "passing");
    Await.until("both back", () -> discovery.instances("web").size() == 6);
    assertThat(shareInA(web)).isEqualTo(1.0);
  }
}
