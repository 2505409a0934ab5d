package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Reading SRV replies and deciding about TCP, without sockets. */
class SrvReplyTest {
  private static final Name Q = Name.fromConstantString("web.service.consul.");
  private static final DnsNames NAMES = new DnsNames(ConsulLikeDns.DOMAIN, null, null, false, "test");

  private static Message reply(int rcode) {
    Message m = new Message(1);
    m.getHeader().setFlag(Flags.QR);
    m.getHeader().setRcode(rcode);
    m.addRecord(Record.newRecord(Q, Type.SRV, DClass.IN), Section.QUESTION);
    return m;
  }

  private static Name name(String s) {
    return Name.fromConstantString(s);
  }

  @Test
  void aReplyWhoseAnswersAreAllForAnotherNameIsRefusedNotReadAsNoInstance() throws Exception {
    Message m = reply(Rcode.NOERROR);
    m.addRecord(new SRVRecord(name("other.service.consul."), DClass.IN, 0, 1, 1, 84, name("n1.node.dc1.consul.")),
        Section.ANSWER);

    assertThatThrownBy(() -> SrvReply.read(m, Q, NAMES)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("none of them for web.service.consul.");
    assertThat(SrvReply.read(reply(Rcode.NOERROR), Q, NAMES).targets()).as("no data at all is no instance").isEmpty();
  }

  @Test
  void readsTargetsFromAnswerAndAdditionalFollowingCnamesAndAddrNames() throws Exception {
    Message m = reply(Rcode.NOERROR);
    m.addRecord(new SRVRecord(Q, DClass.IN, 0, 1, 4, 80, name("n1.node.dc1.consul.")), Section.ANSWER);
    m.addRecord(new SRVRecord(Q, DClass.IN, 0, 1, 1, 81, name("db.example.com.")), Section.ANSWER);
    m.addRecord(new SRVRecord(Q, DClass.IN, 0, 1, 1, 82, name("0a000003.addr.dc1.consul.")), Section.ANSWER);
    m.addRecord(new SRVRecord(Q, DClass.IN, 0, 1, 1, 83, name("n4.node.dc1.consul.")), Section.ANSWER);
    m.addRecord(new SRVRecord(Q, DClass.IN, 0, 1, 1, 0, name("n5.node.dc1.consul.")), Section.ANSWER);
    m.addRecord(new SRVRecord(name("other.service.consul."), DClass.IN, 0, 1, 1, 84, name("n1.node.dc1.consul.")),
        Section.ANSWER);
    m.addRecord(new ARecord(name("n1.node.dc1.consul."), DClass.IN, 0, InetAddress.getByName("10.0.0.1")),
        Section.ADDITIONAL);
    // A hostname Service.Address: Consul adds the CNAME chain it resolved.
    m.addRecord(new CNAMERecord(name("db.example.com."), DClass.IN, 0, name("db1.example.com.")), Section.ADDITIONAL);
    m.addRecord(new ARecord(name("db1.example.com."), DClass.IN, 0, InetAddress.getByName("10.0.0.2")),
        Section.ADDITIONAL);

    SrvReply r = SrvReply.read(m, Q, NAMES);

    assertThat(r.targets()).extracting(t -> t.name() + " " + t.port() + " " + t.weight() + " "
            + t.addresses().stream().map(InetAddress::getHostAddress).collect(Collectors.toList()))
        .containsExactly(
            "n1.node.dc1.consul. 80 4 [10.0.0.1]",
            "db.example.com. 81 1 [10.0.0.2]",
            "0a000003.addr.dc1.consul. 82 1 [10.0.0.3]",
            "n4.node.dc1.consul. 83 1 []"); // port 0 and foreign owner names are ignored
    assertThat(r.ttl()).isNull();
  }

  @Test
  void ttlIsTheSmallestOfTheRecordsUsedAndNxdomainUsesTheSoa() throws Exception {
    Message m = reply(Rcode.NOERROR);
    m.addRecord(new SRVRecord(Q, DClass.IN, 60, 1, 1, 80, name("n1.node.dc1.consul.")), Section.ANSWER);
    m.addRecord(new ARecord(name("n1.node.dc1.consul."), DClass.IN, 20, InetAddress.getByName("10.0.0.1")),
        Section.ADDITIONAL);
    assertThat(SrvReply.read(m, Q, NAMES).ttl()).isEqualTo(Duration.ofSeconds(20));

    Message nx = reply(Rcode.NXDOMAIN);
    assertThat(SrvReply.read(nx, Q, NAMES).targets()).isEmpty();
    assertThat(SrvReply.read(nx, Q, NAMES).ttl()).isNull();
    nx.addRecord(new SOARecord(name("consul."), DClass.IN, 30, name("ns.consul."), name("hostmaster.consul."),
        1, 3600, 600, 86400, 10), Section.AUTHORITY);
    assertThat(SrvReply.read(nx, Q, NAMES).ttl()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void cnameLoopsEndWithoutAnAddress() {
    Message m = reply(Rcode.NOERROR);
    m.addRecord(new SRVRecord(Q, DClass.IN, 0, 1, 1, 80, name("a.example.")), Section.ANSWER);
    m.addRecord(new CNAMERecord(name("a.example."), DClass.IN, 0, name("b.example.")), Section.ADDITIONAL);
    m.addRecord(new CNAMERecord(name("b.example."), DClass.IN, 0, name("a.example.")), Section.ADDITIONAL);
    assertThat(SrvReply.read(m, Q, NAMES).targets().get(0).addresses()).isEmpty();
  }

  /**
   * Found by {@link SrvReplyPropertyTest}: an NXDOMAIN reply whose header says UPDATE, with an SOA record of
   * empty RDATA in AUTHORITY. dnsjava reads that record as a field-less record of type SOA, and the negative
   * TTL was read with a cast that threw ClassCastException.
   */
  @Test
  void anUpdateReplyWithAFieldlessSoaReadsAsNoTargetsInsteadOfThrowing() throws Exception {
    byte[] wire = java.util.HexFormat.of().parseHex(
        "9b87ac03000100000001000003776562077365727669636506636f6e73756c0000210001c01800060001000000260000");
    Message m = new Message(wire);
    assertThat(m.getHeader().getOpcode()).isEqualTo(org.xbill.DNS.Opcode.UPDATE);
    SrvReply r = SrvReply.read(m, Q, NAMES);
    assertThat(r.targets()).isEmpty();
    assertThat(r.ttl()).isNull();
  }
}
