package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** {@link TrimRule}: which UDP replies are trusted, whatever sits between the client and Consul. */
class TrimRuleTest {
  private static final Name Q = name("big.service.consul.");

  private static Name name(String s) {
    try {
      return Name.fromString(s);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A reply as it arrives through a forwarder: EDNS echoed with our size, TC clear. */
  private static Message reply(int rcode) {
    Message m = new Message();
    m.getHeader().setFlag(Flags.QR);
    m.getHeader().setRcode(rcode);
    m.addRecord(Record.newRecord(Q, Type.SRV, DClass.IN), Section.QUESTION);
    m.addRecord(new OPTRecord(TrimRule.EDNS_BUFFER, 0, 0), Section.ADDITIONAL);
    return m;
  }

  /** Adds {@code count} answer sets as Consul builds them: SRV, the target's A and, with meta, a TXT record. */
  private static Message withInstances(Message m, int count, String nodePrefix, String meta) throws Exception {
    for (int i = 1; i <= count; i++) {
      Name target = name(nodePrefix + i + ".node.dc1.consul.");
      m.addRecord(new SRVRecord(Q, DClass.IN, 0, 1, 1, 20000 + i, target), Section.ANSWER);
      m.addRecord(new ARecord(target, DClass.IN, 0, InetAddress.getByName("10.9.0." + i)), Section.ADDITIONAL);
      if (meta != null) {
        m.addRecord(new TXTRecord(target, DClass.IN, 0, meta), Section.ADDITIONAL);
      }
    }
    return new Message(m.toWire()); // as received: sizes and compression are the wire's
  }

  private static String why(Message m) {
    return TrimRule.whyRetryOverTcp(m);
  }

  @Test
  void theTcBitAlwaysMeansTcp() throws Exception {
    Message m = reply(Rcode.NOERROR);
    m.getHeader().setFlag(Flags.TC);
    assertThat(why(withInstances(m, 1, "n", null))).contains("TC");
  }

  @Test
  void nothingToTrimInNxdomainErrorsOrNoData() {
    assertThat(why(reply(Rcode.NXDOMAIN))).isNull();
    assertThat(why(reply(Rcode.SERVFAIL))).isNull();
    assertThat(why(reply(Rcode.NOERROR))).as("NODATA: Consul never trims the last answer").isNull();
  }

  @Test
  void oneOrTwoSmallAnswersAreTrustedWithOrWithoutEdns() throws Exception {
    assertThat(why(withInstances(reply(Rcode.NOERROR), 1, "node-", "consul-network-segment="))).isNull();
    assertThat(why(withInstances(reply(Rcode.NOERROR), 2, "node-", null))).isNull();
    Message noEdns = reply(Rcode.NOERROR);
    noEdns.removeAllRecords(Section.ADDITIONAL);
    assertThat(why(withInstances(noEdns, 2, "node-", null))).isNull();
  }

  @Test
  void anAddressFollowUpHasOneRecordAndIsTrusted() throws Exception {
    Name target = name("some-rather-long-node-name.node.dc1.consul.");
    Message m = new Message();
    m.getHeader().setFlag(Flags.QR);
    m.addRecord(Record.newRecord(target, Type.A, DClass.IN), Section.QUESTION);
    m.addRecord(new ARecord(target, DClass.IN, 0, InetAddress.getByName("10.0.0.1")), Section.ANSWER);
    assertThat(why(new Message(m.toWire()))).isNull();
  }

  @Test
  void exactlyThreeAnswersAreConsulsNoEdnsCutEvenWithEdnsEchoed() throws Exception {
    // dnsmasq asking upstream with 512 bytes (or an old forwarder without EDNS) gets Consul's 3 and echoes
    // our 4096 to us: the reply is small and looks complete.
    Message three = withInstances(reply(Rcode.NOERROR), 3, "n", null);
    assertThat(three.numBytes()).isLessThan(300);
    assertThat(why(three)).contains("3 answers");
  }

  @Test
  void aReplyTrimmedToAForwardersBufferIsNotTrusted() throws Exception {
    // What dnsmasq 2.90 passes on for 60 instances: trimmed by Consul to its 1,232 bytes, EDNS echoed, TC clear,
    // well under half of our 4,096-byte buffer (which the old rule trusted).
    Message trimmed = withInstances(reply(Rcode.NOERROR), 18, "big-", null);
    assertThat(trimmed.numBytes()).isBetween(1000, TrimRule.EDNS_BUFFER / 2);
    assertThat(why(trimmed)).contains("18 answers");
  }

  @Test
  void twoAnswersWithoutRoomForAThirdUnder512BytesUncompressedAreNotTrusted() throws Exception {
    // Consul measures the no-EDNS cut uncompressed: two sets of long names and node meta leave no room for a
    // third, so it may have dropped one although the compressed reply is far below 512 bytes.
    String meta = "consul-network-segment=";
    Message two = withInstances(reply(Rcode.NOERROR), 2, "a-node-with-a-long-name-", meta);
    assertThat(two.numBytes()).isLessThan(400);
    assertThat(why(two)).contains("no room for another");
  }
}
