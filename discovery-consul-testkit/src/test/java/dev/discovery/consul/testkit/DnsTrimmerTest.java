package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Consul's trimming rules on messages built in memory (no sockets). */
class DnsTrimmerTest {

  private static Message srvResponse(int count, String targetPrefix, boolean withTxt) throws Exception {
    Name qname = Name.fromString("svc.service.consul.");
    Message m = Message.newQuery(Record.newRecord(qname, Type.SRV, DClass.IN));
    for (int i = 0; i < count; i++) {
      Name target = Name.fromString(targetPrefix + i + ".node.dc1.consul.");
      m.addRecord(new SRVRecord(qname, DClass.IN, 0, 1, 1, 1000 + i, target), Section.ANSWER);
      m.addRecord(new ARecord(target, DClass.IN, 0, InetAddress.getByName("10.0.0." + (i % 250 + 1))),
          Section.ADDITIONAL);
      if (withTxt) {
        m.addRecord(new TXTRecord(target, DClass.IN, 0, "consul-network-segment="), Section.ADDITIONAL);
      }
    }
    return m;
  }

  private static List<String> targets(Message m) {
    return m.getSection(Section.ANSWER).stream().map(r -> ((SRVRecord) r).getTarget().toString()).toList();
  }

  private static List<String> extraNames(Message m) {
    return m.getSection(Section.ADDITIONAL).stream().map(r -> r.getName().toString()).toList();
  }

  @Test
  void plainUdpKeepsTheAnswerLimitAndOneAdditionalRecordPerKeptTarget() throws Exception {
    Message request = Message.newQuery(Record.newRecord(Name.fromString("svc.service.consul."), Type.SRV,
        DClass.IN));
    Message m = srvResponse(10, "n", true);
    assertThat(DnsTrimmer.trimUdp(request, m, 3)).isTrue();
    assertThat(targets(m)).containsExactly("n0.node.dc1.consul.", "n1.node.dc1.consul.", "n2.node.dc1.consul.");
    // syncExtra keeps the first record per target name: the A, not the TXT that followed it.
    assertThat(extraNames(m)).isEqualTo(targets(m));
    assertThat(m.getSection(Section.ADDITIONAL)).allMatch(r -> r instanceof ARecord);
    assertThat(DnsTrimmer.trimUdp(request, srvResponse(3, "n", false), 3)).isFalse();
    // Consul caps udp_answer_limit at 8.
    Message nine = srvResponse(20, "n", false);
    DnsTrimmer.trimUdp(request, nine, 50);
    assertThat(nine.getSection(Section.ANSWER).size()).isLessThanOrEqualTo(8);
  }

  /**
   * DNS names match case-insensitively in ASCII whatever the JVM's locale: under a Turkish default locale 'I'
   * lower-cases to a dotless 'ı', which once lost the address record of a target written with a capital I.
   */
  @Test
  void targetsMatchTheirAddressRecordsCaseInsensitivelyUnderATurkishLocale() throws Exception {
    Locale saved = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    try {
      Name qname = Name.fromString("svc.service.consul.");
      Message request = Message.newQuery(Record.newRecord(qname, Type.SRV, DClass.IN));
      Message m = Message.newQuery(Record.newRecord(qname, Type.SRV, DClass.IN));
      for (int i = 0; i < 5; i++) {
        m.addRecord(new SRVRecord(qname, DClass.IN, 0, 1, 1, 1000 + i,
            Name.fromString("WEB-I" + i + ".node.dc1.consul.")), Section.ANSWER);
        m.addRecord(new ARecord(Name.fromString("web-i" + i + ".node.dc1.consul."), DClass.IN, 0,
            InetAddress.getByName("10.0.0." + (i + 1))), Section.ADDITIONAL);
      }
      assertThat(DnsTrimmer.trimUdp(request, m, 3)).isTrue();
      assertThat(extraNames(m)).as("the address record of each kept target")
          .containsExactly("web-i0.node.dc1.consul.", "web-i1.node.dc1.consul.", "web-i2.node.dc1.consul.");
    } finally {
      Locale.setDefault(saved);
    }
  }

  @Test
  void plainUdpAlsoFitsFiveHundredTwelveBytesUncompressed() throws Exception {
    Message request = Message.newQuery(Record.newRecord(Name.fromString("svc.service.consul."), Type.SRV,
        DClass.IN));
    String longLabel = "a-long-node-name-label-of-fifty-characters-or-so-xx.another-label-just-as-long-as-the-first-one.n";
    Message m = srvResponse(10, longLabel, false);
    DnsTrimmer.trimUdp(request, m, 3);
    int kept = m.getSection(Section.ANSWER).size();
    assertThat(kept).isBetween(1, 2);
    assertThat(DnsTrimmer.size(m, true)).isLessThanOrEqualTo(512 - 7);
    assertThat(extraNames(m)).isEqualTo(targets(m));
  }

  @Test
  void ednsIsBoundedBySizeOnlyAndTcpByTheMessageLimit() throws Exception {
    Message request = Message.newQuery(Record.newRecord(Name.fromString("svc.service.consul."), Type.SRV,
        DClass.IN));
    request.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    Message m = srvResponse(200, "n", false);
    assertThat(DnsTrimmer.trimUdp(request, m, 3)).isTrue();
    assertThat(m.getSection(Section.ANSWER).size()).isGreaterThan(8);
    assertThat(m.toWire().length).isLessThanOrEqualTo(1232);
    assertThat(extraNames(m)).isEqualTo(targets(m));

    Message tcp = srvResponse(200, "n", false);
    assertThat(DnsTrimmer.trimTcp(tcp)).isFalse();
    assertThat(tcp.getSection(Section.ANSWER)).hasSize(200);
  }
}
