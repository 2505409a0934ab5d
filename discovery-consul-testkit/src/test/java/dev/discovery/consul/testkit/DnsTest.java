package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class DnsTest {

  private static ConsulTestAgent agent(boolean truncate, boolean onlyPassing) {
    return ConsulTestAgent.builder().nodeName("node1").enableTruncate(truncate).onlyPassing(onlyPassing).start();
  }

  private static List<SRVRecord> srv(Message m) {
    return m.getSection(Section.ANSWER).stream().filter(r -> r instanceof SRVRecord).map(r -> (SRVRecord) r)
        .collect(Collectors.toList());
  }

  @Test
  void srvForAServiceWithoutAddressTargetsTheNodeNameWithItsAddressInAdditional() {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerService("{\"Name\":\"web\",\"Port\":8080,\"Weights\":{\"Passing\":7,\"Warning\":2}}");
      Message m = Dig.udp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message();
      assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
      assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
      assertThat(m.getHeader().getFlag(Flags.RA)).isFalse();
      SRVRecord s = srv(m).get(0);
      assertThat(s.getName().toString()).isEqualTo("web.service.consul.");
      assertThat(s.getTTL()).isZero();
      assertThat(s.getPriority()).isEqualTo(1);
      assertThat(s.getWeight()).isEqualTo(7);
      assertThat(s.getPort()).isEqualTo(8080);
      assertThat(s.getTarget().toString()).isEqualTo("node1.node.dc1.consul.");
      // A for the target, then the node meta as TXT (enable_additional_node_meta_txt), as in Consul's docs.
      List<Record> extra = m.getSection(Section.ADDITIONAL);
      assertThat(extra).hasSize(2);
      assertThat(extra.get(0).getName().toString()).isEqualTo("node1.node.dc1.consul.");
      assertThat(((ARecord) extra.get(0)).getAddress().getHostAddress()).isEqualTo("127.0.0.1");
      assertThat(extra.get(0).getTTL()).isZero();
      assertThat(extra.get(1).getName().toString()).isEqualTo("node1.node.dc1.consul.");
      assertThat(((TXTRecord) extra.get(1)).getStrings()).containsExactly("consul-network-segment=");
    }
  }

  @Test
  void serviceTtlAppliesToEveryRecordOfAServiceLookupOnly() {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().nodeName("node1")
        .serviceTtl(java.time.Duration.ofSeconds(30)).start()) {
      agent.registerService("{\"Name\":\"web\",\"Port\":8080}");
      Message m = Dig.udp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message();
      assertThat(srv(m)).extracting(Record::getTTL).containsOnly(30L);
      assertThat(m.getSection(Section.ADDITIONAL)).filteredOn(r -> r.getType() != Type.OPT)
          .isNotEmpty().extracting(Record::getTTL).containsOnly(30L);
      // node_ttl is another setting: a node lookup keeps Consul's default 0.
      Message node = Dig.udp(agent.dnsAddress(), "node1.node.consul.", Type.A, null).message();
      assertThat(node.getSection(Section.ANSWER)).extracting(Record::getTTL).containsOnly(0L);
    }
  }

  @Test
  void srvForAnIpServiceAddressTargetsTheHexAddrName() {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerService("{\"Name\":\"rabbitmq\",\"ID\":\"r4\",\"Address\":\"192.0.2.10\",\"Port\":5672}");
      agent.registerService("{\"Name\":\"rabbitmq\",\"ID\":\"r6\",\"Address\":\"2001:db8:1:2:cafe::1337\","
          + "\"Port\":5673}");
      Message m = Dig.udp(agent.dnsAddress(), "_rabbitmq._tcp.service.consul.", Type.SRV, null).message();
      Set<String> targets = srv(m).stream().map(r -> r.getTarget().toString()).collect(Collectors.toSet());
      assertThat(targets).containsExactlyInAnyOrder("c000020a.addr.dc1.consul.",
          "20010db800010002cafe000000001337.addr.dc1.consul.");
      Set<String> extra = m.getSection(Section.ADDITIONAL).stream()
          .filter(r -> r instanceof ARecord || r instanceof AAAARecord)
          .map(r -> r.getName() + " " + (r instanceof ARecord ? ((ARecord) r).getAddress().getHostAddress()
              : ((AAAARecord) r).getAddress().getHostAddress()))
          .collect(Collectors.toSet());
      assertThat(extra).containsExactlyInAnyOrder("c000020a.addr.dc1.consul. 192.0.2.10",
          "20010db800010002cafe000000001337.addr.dc1.consul. 2001:db8:1:2:cafe:0:0:1337");
    }
  }

  @Test
  void warningInstancesAreKeptWithTheWarningWeightAndCriticalOnesLeftOut() {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerNodeService("n-pass", "10.0.0.1", "{\"Name\":\"api\",\"ID\":\"a1\",\"Port\":1,"
          + "\"Weights\":{\"Passing\":10,\"Warning\":3},\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}");
      agent.registerNodeService("n-warn", "10.0.0.2", "{\"Name\":\"api\",\"ID\":\"a2\",\"Port\":2,"
          + "\"Weights\":{\"Passing\":10,\"Warning\":3},\"Check\":{\"TTL\":\"1m\",\"Status\":\"warning\"}}");
      agent.registerNodeService("n-crit", "10.0.0.3", "{\"Name\":\"api\",\"ID\":\"a3\",\"Port\":3,"
          + "\"Check\":{\"TTL\":\"1m\"}}");
      Message m = Dig.tcp(agent.dnsAddress(), "api.service.consul.", Type.SRV, null).message();
      assertThat(srv(m)).extracting(r -> r.getPort() + "/" + r.getWeight())
          .containsExactlyInAnyOrder("1/10", "2/3");
      assertThat(srv(m)).extracting(r -> r.getTarget().toString())
          .containsExactlyInAnyOrder("n-pass.node.dc1.consul.", "n-warn.node.dc1.consul.");
    }
    try (ConsulTestAgent agent = agent(false, true)) {
      agent.registerNodeService("n-pass", "10.0.0.1", "{\"Name\":\"api\",\"ID\":\"a1\",\"Port\":1,"
          + "\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}");
      agent.registerNodeService("n-warn", "10.0.0.2", "{\"Name\":\"api\",\"ID\":\"a2\",\"Port\":2,"
          + "\"Check\":{\"TTL\":\"1m\",\"Status\":\"warning\"}}");
      Message m = Dig.udp(agent.dnsAddress(), "api.service.consul.", Type.SRV, null).message();
      assertThat(srv(m)).extracting(SRVRecord::getPort).containsExactly(1);
    }
  }

  @Test
  void unknownOrAllCriticalServiceIsNxdomainWithTheSoa() {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerService("{\"Name\":\"down\",\"Check\":{\"TTL\":\"1m\"}}");
      for (String name : List.of("nope.service.consul.", "down.service.consul.")) {
        Message m = Dig.udp(agent.dnsAddress(), name, Type.SRV, null).message();
        assertThat(m.getRcode()).as(name).isEqualTo(Rcode.NXDOMAIN);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
        List<Record> authority = m.getSection(Section.AUTHORITY);
        assertThat(authority).hasSize(1);
        SOARecord soa = (SOARecord) authority.get(0);
        assertThat(soa.getName().toString()).isEqualTo("consul.");
        assertThat(soa.getHost().toString()).isEqualTo("ns.consul.");
        assertThat(soa.getAdmin().toString()).isEqualTo("hostmaster.consul.");
        assertThat(soa.getRefresh()).isEqualTo(3600);
        assertThat(soa.getRetry()).isEqualTo(600);
        assertThat(soa.getExpire()).isEqualTo(86400);
        assertThat(soa.getMinimum()).isZero();
        assertThat(soa.getTTL()).isZero();
        long now = System.currentTimeMillis() / 1000;
        assertThat(soa.getSerial()).isBetween(now - 60, now + 60);
      }
    }
  }

  @Test
  void wrongAddressFamilyIsNoerrorNodataWithTheSoa() {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerService("{\"Name\":\"v4\",\"Address\":\"10.1.2.3\",\"Port\":1}");
      Message aaaa = Dig.udp(agent.dnsAddress(), "v4.service.consul.", Type.AAAA, null).message();
      assertThat(aaaa.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(aaaa.getSection(Section.ANSWER)).isEmpty();
      assertThat(aaaa.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
      Message a = Dig.udp(agent.dnsAddress(), "v4.service.consul.", Type.A, null).message();
      assertThat(a.getSection(Section.ANSWER)).singleElement()
          .satisfies(r -> assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("10.1.2.3"));
    }
  }

  @Test
  void namesOutsideTheDomainAreRefused() {
    try (ConsulTestAgent agent = agent(false, false)) {
      Message m = Dig.udp(agent.dnsAddress(), "example.com.", Type.A, null).message();
      assertThat(m.getRcode()).isEqualTo(Rcode.REFUSED);
      assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }
  }

  private static ConsulTestAgent sixtyInstances(boolean truncate) {
    ConsulTestAgent agent = agent(truncate, false);
    for (int i = 1; i <= 60; i++) {
      agent.registerNodeService("host" + i, "10.0." + (i / 250) + "." + (i % 250 + 1),
          "{\"Name\":\"big\",\"ID\":\"big" + i + "\",\"Port\":" + (9000 + i) + "}");
    }
    return agent;
  }

  @Test
  void udpWithoutEdnsIsTrimmedSilentlyToThreeAnswersAndEdnsAndTcpReturnMore() {
    try (ConsulTestAgent agent = sixtyInstances(false)) {
      Dig.Answer plain = Dig.udp(agent.dnsAddress(), "big.service.consul.", Type.SRV, null);
      assertThat(srv(plain.message())).hasSize(3);
      assertThat(plain.message().getHeader().getFlag(Flags.TC)).isFalse();
      assertThat(plain.wireSize()).isLessThanOrEqualTo(512);
      assertThat(plain.message().getOPT()).isNull();
      assertAdditionalMatchesTargets(plain.message());

      // EDNS lifts the count limit; only the advertised size bounds the answer.
      Dig.Answer edns = Dig.udp(agent.dnsAddress(), "big.service.consul.", Type.SRV, 1232);
      assertThat(srv(edns.message()).size()).isGreaterThan(3).isLessThan(60);
      assertThat(edns.wireSize()).isLessThanOrEqualTo(1232);
      assertThat(edns.message().getHeader().getFlag(Flags.TC)).isFalse();
      OPTRecord opt = edns.message().getOPT();
      assertThat(opt).isNotNull();
      assertThat(opt.getPayloadSize()).isEqualTo(1232);
      assertAdditionalMatchesTargets(edns.message());

      Dig.Answer large = Dig.udp(agent.dnsAddress(), "big.service.consul.", Type.SRV, 4096);
      assertThat(srv(large.message())).hasSize(60);
      assertThat(large.wireSize()).isLessThanOrEqualTo(4096);
      assertThat(large.message().getOPT().getPayloadSize()).isEqualTo(4096);

      Dig.Answer tcp = Dig.tcp(agent.dnsAddress(), "big.service.consul.", Type.SRV, null);
      assertThat(srv(tcp.message())).hasSize(60);
      assertThat(tcp.message().getSection(Section.ADDITIONAL)).filteredOn(r -> r instanceof ARecord).hasSize(60);

      Dig.Answer a = Dig.udp(agent.dnsAddress(), "big.service.consul.", Type.A, null);
      assertThat(a.message().getSection(Section.ANSWER)).hasSize(3);
    }
  }

  @Test
  void enableTruncateSetsTheTcBitOnTrimmedUdpAnswers() {
    try (ConsulTestAgent agent = sixtyInstances(true)) {
      Dig.Answer plain = Dig.udp(agent.dnsAddress(), "big.service.consul.", Type.SRV, null);
      assertThat(plain.message().getHeader().getFlag(Flags.TC)).isTrue();
      assertThat(srv(plain.message())).hasSize(3);
      assertThat(plain.wireSize()).isLessThanOrEqualTo(512);
      Dig.Answer tcp = Dig.tcp(agent.dnsAddress(), "big.service.consul.", Type.SRV, null);
      assertThat(tcp.message().getHeader().getFlag(Flags.TC)).isFalse();
      assertThat(srv(tcp.message())).hasSize(60);
    }
  }

  private static void assertAdditionalMatchesTargets(Message m) {
    Set<String> targets = srv(m).stream().map(r -> r.getTarget().toString()).collect(Collectors.toSet());
    Set<String> extra = m.getSection(Section.ADDITIONAL).stream().filter(r -> !(r instanceof OPTRecord))
        .map(r -> r.getName().toString())
        .collect(Collectors.toSet());
    assertThat(extra).isEqualTo(targets);
  }

  @Test
  void answersAreShuffled() {
    try (ConsulTestAgent agent = agent(false, false)) {
      for (int i = 1; i <= 6; i++) {
        agent.registerService("{\"Name\":\"s\",\"ID\":\"s" + i + "\",\"Address\":\"10.0.0." + i + "\",\"Port\":1}");
      }
      Set<String> orders = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        Message m = Dig.tcp(agent.dnsAddress(), "s.service.consul.", Type.A, null).message();
        orders.add(m.getSection(Section.ANSWER).toString());
      }
      assertThat(orders.size()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void nameFormsForTagsDatacentersAndRfc2782() {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerService("{\"Name\":\"db\",\"ID\":\"db1\",\"Tags\":[\"Primary\"],\"Port\":1}");
      agent.registerService("{\"Name\":\"db\",\"ID\":\"db2\",\"Tags\":[\"replica\"],\"Port\":2,"
          + "\"Address\":\"10.9.9.9\"}");
      InetSocketAddressHolder h = new InetSocketAddressHolder(agent);
      assertThat(h.ports("db.service.consul.")).containsExactlyInAnyOrder(1, 2);
      assertThat(h.ports("db.service.dc1.consul.")).containsExactlyInAnyOrder(1, 2);
      assertThat(h.ports("db.service.dc1.dc.consul.")).containsExactlyInAnyOrder(1, 2);
      assertThat(h.ports("primary.db.service.consul.")).containsExactly(1);
      assertThat(h.ports("_db._tcp.service.consul.")).containsExactlyInAnyOrder(1, 2);
      assertThat(h.ports("_db._tcp.consul.")).containsExactlyInAnyOrder(1, 2);
      assertThat(h.ports("_db._replica.service.consul.")).containsExactly(2);
      assertThat(h.ports("_db._replica.dc1.consul.")).containsExactly(2);
      assertThat(h.ports("DB.Service.Consul.")).containsExactlyInAnyOrder(1, 2);
      assertThat(Dig.udp(agent.dnsAddress(), "db.service.dc2.consul.", Type.SRV, null).message().getRcode())
          .isEqualTo(Rcode.NXDOMAIN);
      assertThat(Dig.udp(agent.dnsAddress(), "service.consul.", Type.SRV, null).message().getRcode())
          .isEqualTo(Rcode.NXDOMAIN);
      assertThat(Dig.udp(agent.dnsAddress(), "consul.", Type.A, null).message().getRcode())
          .isEqualTo(Rcode.NXDOMAIN);
    }
  }

  /** Small helper so the name-form test reads as a table. */
  private static final class InetSocketAddressHolder {
    private final ConsulTestAgent agent;

    InetSocketAddressHolder(ConsulTestAgent agent) {
      this.agent = agent;
    }

    List<Integer> ports(String name) {
      Message m = Dig.udp(agent.dnsAddress(), name, Type.SRV, null).message();
      assertThat(m.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
      return srv(m).stream().map(SRVRecord::getPort).collect(Collectors.toList());
    }
  }

  @Test
  void nodeAndAddrLookups() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().nodeName("node1").nodeAddress("10.1.10.12").start()) {
      Message a = Dig.udp(agent.dnsAddress(), "node1.node.consul.", Type.A, null).message();
      assertThat(a.getSection(Section.ANSWER)).singleElement()
          .satisfies(r -> assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("10.1.10.12"));
      Message any = Dig.udp(agent.dnsAddress(), "node1.node.dc1.consul.", Type.ANY, null).message();
      assertThat(any.getSection(Section.ANSWER)).anySatisfy(r -> assertThat(r).isInstanceOf(TXTRecord.class));
      assertThat(Dig.udp(agent.dnsAddress(), "ghost.node.consul.", Type.A, null).message().getRcode())
          .isEqualTo(Rcode.NXDOMAIN);
      Message addr = Dig.udp(agent.dnsAddress(), "c0a80001.addr.dc1.consul.", Type.A, null).message();
      assertThat(addr.getSection(Section.ANSWER)).singleElement()
          .satisfies(r -> assertThat(((ARecord) r).getAddress()).isEqualTo(InetAddress.getByName("192.168.0.1")));
      Message addr6 = Dig.udp(agent.dnsAddress(), "20010db800010002cafe000000001337.addr.consul.", Type.AAAA,
          null).message();
      assertThat(addr6.getSection(Section.ANSWER)).singleElement().isInstanceOf(AAAARecord.class);
      assertThat(Dig.udp(agent.dnsAddress(), "zz.addr.consul.", Type.A, null).message().getRcode())
          .isEqualTo(Rcode.NXDOMAIN);
    }
  }

  @Test
  void altDomainAnswersUseTheDomainOfTheQuery() {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().nodeName("machine").altDomain("test-domain").start()) {
      Message m = Dig.udp(agent.dnsAddress(), "consul.service.test-domain.", Type.SRV, null).message();
      SRVRecord s = srv(m).get(0);
      assertThat(s.getPort()).isEqualTo(8300);
      assertThat(s.getTarget().toString()).isEqualTo("machine.node.dc1.test-domain.");
    }
  }

  @Test
  void garbagePacketsGetFormerrOrNothingAndTheServerKeepsAnswering() throws Exception {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerService("{\"Name\":\"web\",\"Port\":1}");
      Dig.Answer formerr = Dig.udpRaw(agent.dnsAddress(),
          new byte[] {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f});
      assertThat(formerr.message().getHeader().getID()).isEqualTo(0x1234);
      assertThat(formerr.message().getRcode()).isEqualTo(Rcode.FORMERR);
      try (DatagramSocket s = new DatagramSocket()) {
        byte[] junk = {1, 2, 3};
        s.send(new DatagramPacket(junk, junk.length, agent.dnsAddress()));
      }
      assertThat(srv(Dig.udp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message())).hasSize(1);
      assertThat(srv(Dig.tcp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message())).hasSize(1);
    }
  }

  @Test
  void dnsFaultControls() {
    try (ConsulTestAgent agent = agent(false, false)) {
      agent.registerService("{\"Name\":\"web\",\"Port\":1}");
      agent.failNextDns(1, Rcode.SERVFAIL);
      assertThat(Dig.udp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message().getRcode())
          .isEqualTo(Rcode.SERVFAIL);
      assertThat(Dig.udp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message().getRcode())
          .isEqualTo(Rcode.NOERROR);
      agent.dropConnections(true);
      byte[] query = Dig.query("web.service.consul.", Type.SRV, null).toWire();
      assertThatThrownBy(() -> Dig.udpRaw(agent.dnsAddress(), query, 300))
          .isInstanceOf(UncheckedIOException.class);
      agent.dropConnections(false);
      assertThat(srv(Dig.udp(agent.dnsAddress(), "web.service.consul.", Type.SRV, null).message())).hasSize(1);
    }
  }
}
