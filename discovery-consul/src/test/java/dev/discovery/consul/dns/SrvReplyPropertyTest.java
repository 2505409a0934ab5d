package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.consul.Mutations;
import dev.discovery.consul.Property;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.AAAARecord;
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

/**
 * Properties of the DNS answer reader over the path that wire bytes take in the client: dnsjava's
 * {@code new Message(bytes)} (which refuses malformed bytes with an {@link IOException}, reported by
 * {@link DnsClient} as a malformed reply), the RCODE filter, {@link TrimRule} and {@link SrvReply}. Random and
 * damaged replies never throw anything else, and any well-formed reply reads back as the targets it describes.
 */
class SrvReplyPropertyTest {
  private static final Name Q = Name.fromConstantString("web.service.consul.");
  private static final DnsNames NAMES = new DnsNames(ConsulLikeDns.DOMAIN, null, null, false, "test");

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void randomAndDamagedRepliesFailOnlyAsMalformedOrReadAsValidTargets() {
    int[] outcomes = new int[3]; // malformed, server failure, read
    Property.forAllBytes("SRV reply reader on bad input", 5000, SrvReplyPropertyTest::badReply, bytes -> {
      Message m;
      try {
        m = new Message(bytes);
      } catch (IOException e) { // WireParseException: DnsClient reports "a malformed or mismatched reply"
        outcomes[0]++;
        return;
      }
      TrimRule.whyRetryOverTcp(m);
      int rcode = m.getRcode();
      if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
        // DnsClient reports these as the server failing; the reader refuses them too.
        assertThatThrownBy(() -> SrvReply.read(m, Q, NAMES)).isInstanceOf(IllegalArgumentException.class);
        outcomes[1]++;
        return;
      }
      SrvReply reply;
      try {
        reply = SrvReply.read(m, Q, NAMES);
      } catch (IllegalArgumentException e) {
        // Refused only when there are answers and none is for the question: never read as "no instance".
        assertThat(m.getSection(Section.ANSWER)).isNotEmpty().noneMatch(rec -> rec.getName().equals(Q));
        outcomes[1]++;
        return;
      }
      for (SrvReply.Target t : reply.targets()) {
        assertThat(t.port()).isBetween(1, 65535);
        assertThat(t.name()).isNotEqualTo(Name.root);
        // What ConsulDnsBackend does for a target without an address in the reply: read an A/AAAA answer.
        SrvReply.addresses(t.name(), m.getSection(Section.ANSWER), new ArrayList<>());
      }
      assertThat(reply.ttl() == null || !(reply.ttl().isNegative() || reply.ttl().isZero())).isTrue();
      outcomes[2]++;
    });
    // Every way through the reader is exercised, not only the parser's refusal.
    assertThat(outcomes[0]).as("malformed").isGreaterThan(100);
    assertThat(outcomes[1]).as("server failure").isGreaterThan(100);
    assertThat(outcomes[2]).as("read").isGreaterThan(100);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anyWellFormedReplyReadsBackAsTheTargetsItDescribes() {
    Property.forAll("SRV reply round trip", 1000, SrvReplyPropertyTest::reply, g -> g.message.toString(), g -> {
      Message received = new Message(g.message.toWire());
      SrvReply reply = SrvReply.read(received, Q, NAMES);
      assertThat(reply.targets()).isEqualTo(g.targets);
      assertThat(reply.ttl()).isEqualTo(g.ttl);
    });
  }

  /** A reply as Consul could send it, with the targets and TTL it should read as. */
  record Generated(Message message, List<SrvReply.Target> targets, Duration ttl) {}

  static Generated reply(Random r) {
    return reply(r, Q);
  }

  /** A reply to an SRV question for {@code q}. */
  static Generated reply(Random r, Name q) {
    Message m = new Message(r.nextInt(65536));
    m.getHeader().setFlag(Flags.QR);
    m.getHeader().setFlag(Flags.AA);
    m.addRecord(Record.newRecord(q, Type.SRV, DClass.IN), Section.QUESTION);
    if (r.nextBoolean()) {
      m.addRecord(new OPTRecord(TrimRule.EDNS_BUFFER, 0, 0), Section.ADDITIONAL);
    }
    if (r.nextInt(6) == 0) {
      m.getHeader().setRcode(Rcode.NXDOMAIN);
      Duration ttl = null;
      if (r.nextBoolean()) {
        long soaTtl = r.nextInt(100);
        long minimum = r.nextInt(100);
        m.addRecord(new SOARecord(ConsulLikeDns.DOMAIN, DClass.IN, soaTtl, name("ns.consul."),
            name("hostmaster.consul."), 1, 3600, 600, 86400, minimum), Section.AUTHORITY);
        long t = Math.min(soaTtl, minimum);
        ttl = t > 0 ? Duration.ofSeconds(t) : null;
      }
      return new Generated(m, List.of(), ttl);
    }
    List<SrvReply.Target> targets = new ArrayList<>();
    Set<Name> used = new HashSet<>();
    long minTtl = Long.MAX_VALUE;
    for (int i = r.nextInt(7); i > 0; i--) {
      long srvTtl = r.nextInt(4) == 0 ? r.nextInt(300) : 0;
      int port = 1 + r.nextInt(65535);
      int weight = r.nextInt(65536);
      List<InetAddress> addresses = new ArrayList<>();
      Name target;
      int kind = r.nextInt(4);
      if (kind == 0) { // Consul's addr encoding: the address is in the name
        byte[] v4 = new byte[4];
        r.nextBytes(v4);
        target = name(String.format("%02x%02x%02x%02x.addr.dc1.consul.", v4[0], v4[1], v4[2], v4[3]));
        addresses.add(address(v4));
      } else {
        target = name("node-" + r.nextInt(1000) + ".node.dc1.consul.");
        if (!used.add(target)) {
          continue;
        }
        Name holder = target;
        if (kind == 1) { // a host name Service.Address, resolved through a CNAME in ADDITIONAL
          holder = name("host-" + r.nextInt(1000) + ".example.com.");
          long cnameTtl = r.nextInt(100);
          m.addRecord(new CNAMERecord(target, DClass.IN, cnameTtl, holder), Section.ADDITIONAL);
          minTtl = Math.min(minTtl, cnameTtl);
        }
        if (kind != 3) { // kind 3: no address in the reply, asked for separately
          byte[] v4 = new byte[4];
          r.nextBytes(v4);
          long aTtl = r.nextInt(100);
          m.addRecord(new ARecord(holder, DClass.IN, aTtl, address(v4)), Section.ADDITIONAL);
          addresses.add(address(v4));
          minTtl = Math.min(minTtl, aTtl);
          if (r.nextBoolean()) {
            byte[] v6 = new byte[16];
            r.nextBytes(v6);
            m.addRecord(new AAAARecord(holder, DClass.IN, aTtl, address(v6)), Section.ADDITIONAL);
            addresses.add(address(v6));
          }
        } else if (kind == 3 && holder != target) {
          minTtl = Long.MAX_VALUE; // unreachable: kind 1 always has an address
        }
      }
      m.addRecord(new SRVRecord(q, DClass.IN, srvTtl, 1, weight, port, target), Section.ANSWER);
      minTtl = Math.min(minTtl, srvTtl);
      targets.add(new SrvReply.Target(target, port, weight, List.copyOf(addresses)));
    }
    if (r.nextBoolean()) { // a record for another name, and an unavailable target: both ignored
      m.addRecord(new SRVRecord(name("other.service.consul."), DClass.IN, 0, 1, 1, 80, name("x.node.consul.")),
          Section.ANSWER);
      m.addRecord(new SRVRecord(q, DClass.IN, 0, 1, 1, 80, Name.root), Section.ANSWER);
    }
    Duration ttl = targets.isEmpty() || minTtl <= 0 ? null : Duration.ofSeconds(minTtl);
    return new Generated(m, List.copyOf(targets), ttl);
  }

  /**
   * Random bytes, or a valid reply's wire form damaged: byte edits anywhere, or a header field (opcode, RCODE,
   * section counts) or a record's length set to another value.
   */
  static byte[] badReply(Random r) {
    return badReply(r, Q);
  }

  /** As {@link #badReply(Random)}, starting from a reply to an SRV question for {@code q}. */
  static byte[] badReply(Random r, Name q) {
    int pick = r.nextInt(10);
    if (pick == 0) {
      return Mutations.randomBytes(r, 512);
    }
    Message valid = reply(r, q).message;
    if (pick == 1) {
      // A record sent with empty RDATA, as dynamic updates do, under a random opcode: with opcode UPDATE,
      // dnsjava reads it as a record of the right type but without its fields.
      List<Record> records = new ArrayList<>();
      for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
        for (Record rec : valid.getSection(section)) {
          if (rec.getType() != Type.OPT) {
            records.add(rec);
          }
        }
      }
      if (!records.isEmpty()) {
        Record victim = records.get(r.nextInt(records.size()));
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
          if (valid.removeRecord(victim, section)) {
            valid.addRecord(Record.newRecord(victim.getName(), victim.getType(), victim.getDClass(), victim.getTTL()),
                section);
          }
        }
      }
      valid.getHeader().setOpcode(r.nextBoolean() ? 5 : r.nextInt(16));
      return valid.toWire();
    }
    byte[] wire = valid.toWire();
    if (pick < 5) {
      return Mutations.byteEdits(r, wire);
    }
    byte[] b = wire.clone();
    for (int edits = 1 + r.nextInt(2); edits > 0; edits--) {
      switch (r.nextInt(4)) {
        case 0: // opcode (bits 3-6 of byte 2)
          b[2] = (byte) ((b[2] & 0x87) | (r.nextInt(16) << 3));
          break;
        case 1: // RCODE (low bits of byte 3)
          b[3] = (byte) ((b[3] & 0xF0) | r.nextInt(16));
          break;
        case 2: { // a section count
          int at = 4 + 2 * r.nextInt(4);
          b[at] = 0;
          b[at + 1] = (byte) r.nextInt(8);
          break;
        }
        default: { // a 16-bit word past the header: often a record's type, class or RDATA length
          if (b.length > 14) {
            int at = 12 + r.nextInt(b.length - 13);
            int value = r.nextBoolean() ? 0 : r.nextInt(65536);
            b[at] = (byte) (value >> 8);
            b[at + 1] = (byte) value;
          }
        }
      }
    }
    return b;
  }

  private static Name name(String s) {
    return Name.fromConstantString(s);
  }

  private static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
