package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.Property;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The cache property over the whole DNS path (UDP/TCP client, dnsjava's checks, RCODE filter, reader, cache):
 * after a good answer, a reply that the client must refuse (malformed, another opcode, another question, a
 * server failure; made as in {@link SrvReplyPropertyTest}) marks the answer stale, but lookups keep returning
 * the good instances.
 */
class DnsCachePropertyTest {
  private final Map<Name, byte[]> badByQuestion = new ConcurrentHashMap<>();
  private final Map<Name, Boolean> answered = new ConcurrentHashMap<>();
  private FakeDnsServer server;

  @BeforeEach
  void start() throws IOException {
    server = new FakeDnsServer((query, tcp) -> {
      Name name = query.getQuestion().getName();
      byte[] bad = badByQuestion.get(name);
      if (bad == null || answered.putIfAbsent(name, Boolean.TRUE) == null) {
        return good(query).toWire();
      }
      byte[] reply = bad.clone();
      if (reply.length >= 2) { // the right id, so that the damage itself is what the client sees
        reply[0] = (byte) (query.getHeader().getID() >> 8);
        reply[1] = (byte) query.getHeader().getID();
      }
      return reply;
    });
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static Message good(Message query) throws IOException {
    Message m = new Message(query.getHeader().getID());
    m.getHeader().setFlag(Flags.QR);
    m.getHeader().setFlag(Flags.AA);
    Record q = query.getQuestion();
    m.addRecord(q, Section.QUESTION);
    Name node = Name.fromConstantString("n1.node.dc1.consul.");
    m.addRecord(new SRVRecord(q.getName(), DClass.IN, 0, 1, 1, 8080, node), Section.ANSWER);
    m.addRecord(new ARecord(node, DClass.IN, 0, InetAddress.getByName("10.0.0.1")), Section.ADDITIONAL);
    m.addRecord(new OPTRecord(TrimRule.EDNS_BUFFER, 0, 0), Section.ADDITIONAL);
    return m;
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aRefusedReplyAfterAGoodOneNeverReplacesTheCachedInstances() {
    int[] tries = {0};
    Property.forAll("cached DNS answer survives a bad reply", 50, r -> {
      Name question = Name.fromConstantString("web-" + tries[0] + ".service.consul.");
      return refusedReply(r, question);
    }, Property::showBytes, bad -> {
      String service = "web-" + tries[0]++;
      Name question = Name.fromConstantString(service + ".service.consul.");
      badByQuestion.put(question, bad);
      ServiceQuery query = ServiceQuery.of(service);
      // A generous time-out: the good first answer must arrive within it (a failed first load is final), and
      // each of the 50 tries has one.
      try (CachingDiscovery discovery = ConsulDiscovery.dns().server(server.address())
          .timeout(Duration.ofSeconds(2)).refreshInterval(Duration.ofMillis(20))
          .cache(c -> c.maxStaleness(Duration.ofMinutes(10))).cache(c -> c.loadTimeout(Duration.ofSeconds(5))).build()) {
        List<ServiceInstance> good = discovery.instances(query);
        assertThat(good).extracting(ServiceInstance::address).containsExactly("10.0.0.1:8080");
        Await.until("the bad reply to " + question, () -> discovery.snapshot(query).stale());
        ServiceSnapshot snapshot = discovery.snapshot(query);
        assertThat(snapshot.lastError()).isNotBlank();
        assertThat(snapshot.instances()).isEqualTo(good);
        assertThat(discovery.instances(query)).isEqualTo(good);
      }
    });
  }

  /** Damaged replies until one the client must refuse (a damaged reply can also be a valid, different one). */
  private static byte[] refusedReply(Random r, Name question) {
    for (int attempt = 0; attempt < 1000; attempt++) {
      byte[] candidate = SrvReplyPropertyTest.badReply(r, question);
      if (refused(candidate, question)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no refused reply in 1000 attempts");
  }

  private static boolean refused(byte[] bytes, Name question) {
    Message m;
    try {
      m = new Message(bytes);
    } catch (IOException e) {
      return true;
    }
    Record q = m.getQuestion();
    return m.getHeader().getOpcode() != Opcode.QUERY || q == null || !q.getName().equals(question)
        || q.getType() != Type.SRV || q.getDClass() != DClass.IN
        || (m.getRcode() != Rcode.NOERROR && m.getRcode() != Rcode.NXDOMAIN);
  }
}
