package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.Health;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The DNS backend end to end against the testkit's stand-in for a Consul agent (its DNS interface). */
class TestAgentDnsTest {
  /**
   * For lookups the agent is expected to answer: a time-out there fails a first lookup for good (there is no DNS
   * retry), so it is generous for a slow, shared machine.
   */
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);
  /** Only where the agent is silent on purpose and the lookup must time out, kept short so the test stays fast. */
  private static final Duration SILENT_TIMEOUT = Duration.ofMillis(300);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private ConsulTestAgent agent(ConsulTestAgent.Builder builder) {
    ConsulTestAgent agent = builder.nodeName("node1").start();
    closeables.add(agent);
    return agent;
  }

  private CachingDiscovery discovery(ConsulTestAgent agent, boolean tcp) {
    return discovery(agent, tcp, ANSWER_TIMEOUT);
  }

  private CachingDiscovery discovery(ConsulTestAgent agent, boolean tcp, Duration timeout) {
    CachingDiscovery discovery = ConsulDiscovery.dns()
        .server(agent.dnsAddress())
        .tcp(tcp)
        .timeout(timeout)
        .refreshInterval(Duration.ofMillis(50))
        .cache(c -> c.maxStaleness(Duration.ofMinutes(1)))
        .build();
    closeables.add(discovery);
    return discovery;
  }

  private static void registerMany(ConsulTestAgent agent, String service, int count) {
    for (int i = 1; i <= count; i++) {
      agent.registerNodeService("node-" + i, "10.9.0." + i,
          "{\"Name\":\"" + service + "\",\"ID\":\"" + service + "-" + i + "\",\"Port\":" + (20000 + i) + "}");
    }
  }

  private static List<String> addresses(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::address).sorted().collect(Collectors.toList());
  }

  @Test
  void sixtyInstancesOverUdpAndTcpWithAndWithoutTruncateBit() throws Exception {
    for (boolean enableTruncate : new boolean[] {false, true}) {
      ConsulTestAgent agent = agent(ConsulTestAgent.builder().enableTruncate(enableTruncate));
      registerMany(agent, "big", 60);

      // What a client that trusts plain UDP sees: Consul's silent cut to 3.
      SimpleResolver plain = new SimpleResolver(agent.dnsAddress());
      plain.setEDNS(-1);
      plain.setIgnoreTruncation(true);
      Message trusting = plain.send(Message.newQuery(
          Record.newRecord(Name.fromString("big.service.consul."), Type.SRV, DClass.IN)));
      assertThat(trusting.getSection(Section.ANSWER)).hasSize(3);

      for (boolean tcp : new boolean[] {false, true}) {
        List<ServiceInstance> all = discovery(agent, tcp).instances(ServiceQuery.of("big"));
        assertThat(all).as("enable_truncate=%s tcp=%s", enableTruncate, tcp).hasSize(60);
        assertThat(all).extracting(ServiceInstance::id).doesNotHaveDuplicates();
      }
    }
  }

  @Test
  void warningInstancesAreReturnedUnlessTheAgentSetsOnlyPassing() {
    for (boolean onlyPassing : new boolean[] {false, true}) {
      ConsulTestAgent agent = agent(ConsulTestAgent.builder().onlyPassing(onlyPassing));
      agent.registerNodeService("n-pass", "10.0.0.1", "{\"Name\":\"api\",\"ID\":\"a1\",\"Port\":1,"
          + "\"Weights\":{\"Passing\":10,\"Warning\":3},\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}");
      agent.registerNodeService("n-warn", "10.0.0.2", "{\"Name\":\"api\",\"ID\":\"a2\",\"Port\":2,"
          + "\"Weights\":{\"Passing\":10,\"Warning\":3},\"Check\":{\"TTL\":\"1m\",\"Status\":\"warning\"}}");
      agent.registerNodeService("n-crit", "10.0.0.3", "{\"Name\":\"api\",\"ID\":\"a3\",\"Port\":3,"
          + "\"Check\":{\"TTL\":\"1m\"}}");

      List<ServiceInstance> api = discovery(agent, false).instances(ServiceQuery.of("api"));

      if (onlyPassing) {
        assertThat(addresses(api)).containsExactly("10.0.0.1:1");
      } else {
        assertThat(addresses(api)).as("DNS keeps warning instances").containsExactly("10.0.0.1:1", "10.0.0.2:2");
        assertThat(api).extracting(ServiceInstance::weight).containsExactlyInAnyOrder(10, 3);
      }
      assertThat(api).extracting(ServiceInstance::health).containsOnly(Health.UNKNOWN);
    }
  }

  @Test
  void tagsDatacenterAddrTargetsAndIpv6() {
    ConsulTestAgent agent = agent(ConsulTestAgent.builder());
    agent.registerNodeService("n1", "10.0.0.1",
        "{\"Name\":\"db\",\"ID\":\"db1\",\"Port\":5432,\"Tags\":[\"primary\"]}");
    agent.registerNodeService("n2", "10.0.0.2",
        "{\"Name\":\"db\",\"ID\":\"db2\",\"Port\":5432,\"Tags\":[\"replica\"],\"Address\":\"192.0.2.10\"}");
    agent.registerNodeService("n3", "10.0.0.3",
        "{\"Name\":\"db\",\"ID\":\"db3\",\"Port\":5433,\"Tags\":[\"replica\"],\"Address\":\"2001:db8::3\"}");
    agent.registerNodeService("n6", "fd00::6", "{\"Name\":\"db\",\"ID\":\"db6\",\"Port\":5434}");
    CachingDiscovery discovery = discovery(agent, false);

    assertThat(addresses(discovery.instances(ServiceQuery.of("db"))))
        .containsExactly("10.0.0.1:5432", "192.0.2.10:5432", "[2001:db8:0:0:0:0:0:3]:5433", "[fd00:0:0:0:0:0:0:6]:5434");
    List<ServiceInstance> replicas = discovery.instances(ServiceQuery.of("db").withTags("replica"));
    assertThat(addresses(replicas)).containsExactly("192.0.2.10:5432", "[2001:db8:0:0:0:0:0:3]:5433");
    assertThat(replicas).allSatisfy(i -> assertThat(i.tags()).containsExactly("replica"));
    assertThat(addresses(discovery.instances(ServiceQuery.of("db").withTags("primary").inDatacenter("dc1"))))
        .containsExactly("10.0.0.1:5432");

    CachingDiscovery rfc = ConsulDiscovery.dns().server(agent.dnsAddress()).rfc2782(true).datacenter("dc1").build();
    closeables.add(rfc);
    assertThat(addresses(rfc.instances(ServiceQuery.of("db").withTags("primary")))).containsExactly("10.0.0.1:5432");
  }

  @Test
  void customDomain() {
    ConsulTestAgent agent = agent(ConsulTestAgent.builder().domain("example.internal.").altDomain("alt.test."));
    agent.registerNodeService("n1", "10.0.0.1", "{\"Name\":\"web\",\"ID\":\"w1\",\"Port\":80}");
    CachingDiscovery discovery = ConsulDiscovery.dns().server(agent.dnsAddress()).domain("example.internal")
        .altDomain("alt.test").build();
    closeables.add(discovery);
    assertThat(addresses(discovery.instances(ServiceQuery.of("web")))).containsExactly("10.0.0.1:80");
  }

  @Test
  void aClientAskingUnderTheAgentsAltDomainGetsNodeAndAddrTargetsInThatDomain() {
    ConsulTestAgent agent = agent(ConsulTestAgent.builder().domain("consul.").altDomain("alt.test."));
    agent.registerNodeService("n1", "10.0.0.1", "{\"Name\":\"web\",\"ID\":\"w1\",\"Port\":80}");
    agent.registerNodeService("n2", "10.0.0.2",
        "{\"Name\":\"web\",\"ID\":\"w2\",\"Port\":81,\"Address\":\"192.0.2.7\"}");
    CachingDiscovery viaAlt = ConsulDiscovery.dns().server(agent.dnsAddress()).domain("alt.test")
        .altDomain("consul").build();
    closeables.add(viaAlt);

    assertThat(addresses(viaAlt.instances(ServiceQuery.of("web")))).containsExactly("10.0.0.1:80", "192.0.2.7:81");
  }

  @Test
  void healthChangesArriveAndAllCriticalIsAnEmptyList() throws Exception {
    ConsulTestAgent agent = agent(ConsulTestAgent.builder());
    agent.registerNodeService("n1", "10.0.0.1", "{\"Name\":\"web\",\"ID\":\"w1\",\"Port\":80}");
    agent.registerNodeService("n2", "10.0.0.2", "{\"Name\":\"web\",\"ID\":\"w2\",\"Port\":80}");
    CachingDiscovery discovery = discovery(agent, false);
    assertThat(discovery.instances(ServiceQuery.of("web"))).hasSize(2);

    agent.setServiceHealth("w1", "critical");
    Await.until("the critical instance leaves the answer",
        () -> addresses(discovery.instances(ServiceQuery.of("web"))).equals(List.of("10.0.0.2:80")));
    agent.setServiceHealth("w2", "critical");
    Await.until("NXDOMAIN empties the answer", () -> discovery.instances(ServiceQuery.of("web")).isEmpty());
  }

  @Test
  void servfailAndSilenceServeTheLastGoodAnswer() throws Exception {
    ConsulTestAgent agent = agent(ConsulTestAgent.builder());
    agent.registerNodeService("n1", "10.0.0.1", "{\"Name\":\"web\",\"ID\":\"w1\",\"Port\":80}");
    CachingDiscovery discovery = discovery(agent, false);
    List<ServiceInstance> good = discovery.instances(ServiceQuery.of("web"));

    agent.failNextDns(1000, Rcode.SERVFAIL);
    Await.until("a refresh meets SERVFAIL", () -> discovery.snapshot(ServiceQuery.of("web")).stale());
    assertThat(discovery.snapshot(ServiceQuery.of("web")).lastError()).contains("SERVFAIL");
    assertThat(discovery.instances(ServiceQuery.of("web"))).isEqualTo(good);

    agent.failNextDns(0, Rcode.SERVFAIL);
    agent.dropConnections(true);
    assertThat(discovery.instances(ServiceQuery.of("web"))).isEqualTo(good);
    // A client of its own with a short time-out: the agent is silent now, so its first lookup must time out.
    CachingDiscovery impatient = discovery(agent, false, SILENT_TIMEOUT);
    assertThatThrownBy(() -> impatient.instances(ServiceQuery.of("never-asked-before")))
        .isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("no reply");
  }
}
