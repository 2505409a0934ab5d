package dev.discovery.consul.dns;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;

/**
 * What one SRV reply says, read without I/O: each target with its port, weight and the addresses the reply
 * itself gives for it (ADDITIONAL section, following CNAMEs there, or Consul's {@code .addr.} encoding), and
 * how long the reply may be cached.
 */
final class SrvReply {
  /** CNAME chains longer than this are not followed (a loop, or not Consul). */
  private static final int MAX_CNAME_HOPS = 8;

  /** One SRV record; {@code addresses} is empty when the reply does not say where the target is. */
  record Target(Name name, int port, int weight, List<InetAddress> addresses) {}

  private final List<Target> targets;
  private final Duration ttl;

  private SrvReply(List<Target> targets, Duration ttl) {
    this.targets = targets;
    this.ttl = ttl;
  }

  /** The SRV targets in the order the server gave them; empty for NXDOMAIN or no data. */
  List<Target> targets() {
    return targets;
  }

  /** The smallest positive TTL of the records used, or {@code null} when it is zero (Consul's default). */
  Duration ttl() {
    return ttl;
  }

  /**
   * Reads a NOERROR or NXDOMAIN reply to an SRV question for {@code question}; NXDOMAIN is Consul's way to say
   * that no instance is healthy (or the service is unknown), so it gives no targets.
   *
   * @throws IllegalArgumentException for any other RCODE; callers treat those as server failures first
   */
  static SrvReply read(Message reply, Name question, DnsNames names) {
    int rcode = reply.getRcode();
    if (rcode == Rcode.NXDOMAIN) {
      return new SrvReply(List.of(), negativeTtl(reply));
    }
    if (rcode != Rcode.NOERROR) {
      throw new IllegalArgumentException("not a NOERROR/NXDOMAIN reply: " + Rcode.string(rcode));
    }
    List<Record> additional = reply.getSection(Section.ADDITIONAL);
    List<Target> targets = new ArrayList<>();
    long minTtl = Long.MAX_VALUE;
    for (Record record : reply.getSection(Section.ANSWER)) {
      if (!(record instanceof SRVRecord) || !record.getName().equals(question)) {
        continue;
      }
      SRVRecord srv = (SRVRecord) record;
      if (srv.getPort() == 0 || srv.getTarget().equals(Name.root)) {
        continue; // RFC 2782: target "." means "not available here"
      }
      minTtl = Math.min(minTtl, srv.getTTL());
      List<Record> used = new ArrayList<>();
      List<InetAddress> addresses = addresses(srv.getTarget(), additional, used);
      for (Record r : used) {
        minTtl = Math.min(minTtl, r.getTTL());
      }
      if (addresses.isEmpty()) {
        InetAddress encoded = names.addrTarget(srv.getTarget());
        if (encoded != null) {
          addresses = List.of(encoded);
        }
      }
      targets.add(new Target(srv.getTarget(), srv.getPort(), srv.getWeight(), addresses));
    }
    if (targets.isEmpty() && !answersName(reply, question)) {
      // Records, but none for the name asked: a damaged or misdirected reply. Reading it as "no instance" would
      // replace a good cached answer with an empty one.
      throw new IllegalArgumentException("the reply's answer section holds " + reply.getSection(Section.ANSWER).size()
          + " record(s), none of them for " + question + "; refused as not an answer to the question");
    }
    Duration ttl = minTtl == Long.MAX_VALUE || minTtl <= 0 ? null : Duration.ofSeconds(minTtl);
    return new SrvReply(List.copyOf(targets), ttl);
  }

  /** True when the answer section is empty (no data) or holds at least one record named {@code question}. */
  private static boolean answersName(Message reply, Name question) {
    List<Record> answers = reply.getSection(Section.ANSWER);
    for (Record r : answers) {
      if (r.getName().equals(question)) {
        return true;
      }
    }
    return answers.isEmpty();
  }

  /**
   * The A and AAAA addresses of {@code name} among {@code records}, following CNAMEs found there (A before
   * AAAA, in record order); the records used are added to {@code used}.
   */
  static List<InetAddress> addresses(Name name, List<Record> records, List<Record> used) {
    List<InetAddress> found = new ArrayList<>();
    Set<Name> seen = new HashSet<>();
    Name current = name;
    for (int hop = 0; hop <= MAX_CNAME_HOPS && current != null && seen.add(current); hop++) {
      Name next = null;
      for (Record r : records) {
        if (!r.getName().equals(current)) {
          continue;
        }
        if (r instanceof ARecord) {
          found.add(((ARecord) r).getAddress());
          used.add(r);
        } else if (r instanceof CNAMERecord && next == null) {
          next = ((CNAMERecord) r).getTarget();
          used.add(r);
        }
      }
      for (Record r : records) {
        if (r.getName().equals(current) && r instanceof AAAARecord) {
          found.add(((AAAARecord) r).getAddress());
          used.add(r);
        }
      }
      if (!found.isEmpty()) {
        break;
      }
      current = next;
    }
    return found;
  }

  /** RFC 2308: a negative answer may be cached for min(SOA TTL, SOA minimum); Consul's is 0. */
  private static Duration negativeTtl(Message reply) {
    for (Record r : reply.getSection(Section.AUTHORITY)) {
      // instanceof, not the type code: a reply whose header says UPDATE carries SOA-typed records without
      // their fields, which dnsjava reads as a different class.
      if (r instanceof SOARecord) {
        long ttl = Math.min(r.getTTL(), ((SOARecord) r).getMinimum());
        return ttl > 0 ? Duration.ofSeconds(ttl) : null;
      }
    }
    return null;
  }
}
