package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.consul.testkit.TestDatacenter;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Prepared queries and client-side datacenter failover over the DNS backend, against the testkit. */
class FailoverOverDnsTest {
  private ConsulTestAgent agent;
  private TestDatacenter dc2;
  private CachingDiscovery discovery;

  @BeforeEach
  void start() {
    agent = ConsulTestAgent.builder().runChecks(false).start();
    dc2 = agent.addDatacenter("dc2");
    agent.registerNodeService("a1", "10.0.1.1", web("web-a1"));
    dc2.registerNodeService("b1", "10.0.2.1", web("web-b1"));
    discovery = ConsulDiscovery.dns().server(agent.dnsAddress()).tcp(true).timeout(Duration.ofSeconds(2))
        .refreshInterval(Duration.ofMillis(50)).build();
  }

  @AfterEach
  void stop() {
    discovery.close();
    agent.close();
  }

  private static String web(String id) {
    return "{\"Name\":\"web\",\"ID\":\"" + id + "\",\"Port\":80,\"Check\":{\"TTL\":\"10m\",\"Status\":\"passing\"}}";
  }

  private static List<String> hosts(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::host).sorted().collect(Collectors.toList());
  }

  @Test
  void aPreparedQueryIsAskedAsNameDotQueryAndFailsOverInConsul() {
    agent.createPreparedQuery("{\"Name\":\"web-ha\",\"Service\":{\"Service\":\"web\","
        + "\"Failover\":{\"Datacenters\":[\"dc2\"]}}}");
    ServiceQuery q = ServiceQuery.preparedQuery("web-ha");
    assertThat(hosts(discovery.instances(q))).containsExactly("10.0.1.1");
    agent.setServiceHealth("web-a1", "critical");
    Await.until("Consul's failover to dc2", () -> hosts(discovery.instances(q)).equals(List.of("10.0.2.1")));
  }

  @Test
  void theClientFailsOverAndBackOverDnsToo() {
    ServiceQuery q = ServiceQuery.of("web").withFailover("dc2");
    assertThat(hosts(discovery.instances(q))).containsExactly("10.0.1.1");
    agent.setServiceHealth("web-a1", "critical");
    Await.until("the failover", () -> "dc2".equals(discovery.snapshot(q).datacenter()));
    assertThat(hosts(discovery.instances(q))).containsExactly("10.0.2.1");
    agent.setServiceHealth("web-a1", "passing");
    Await.until("the fail-back", () -> discovery.snapshot(q).datacenter() == null);
    assertThat(hosts(discovery.instances(q))).containsExactly("10.0.1.1");
  }
}
