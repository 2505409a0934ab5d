package dev.discovery.consul.dns;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Decides whether a UDP reply may be missing records, so that the question must be asked again over TCP. Pure:
 * it reads the reply only.
 *
 * <p>Consul trims UDP replies silently, and sets the TC bit only when the agent enables {@code enable_truncate}:
 * <ul>
 *   <li>asked without EDNS, or with a buffer of 512 bytes, it keeps at most {@code udp_answer_limit} answers (3 by
 *       default), then drops answers until the reply, measured uncompressed, fits 512 bytes;</li>
 *   <li>asked with a larger EDNS buffer, it drops whole answers (an SRV record with its A/AAAA/TXT extras) until
 *       the reply fits that buffer;</li>
 *   <li>it never drops the last answer.</li>
 * </ul>
 *
 * <p>The buffer Consul trims to is not ours. A forwarder or caching resolver between us and Consul (dnsmasq,
 * systemd-resolved, unbound, BIND) asks upstream with its own buffer, 1,232 bytes for most since the 2020 DNS
 * flag day, 512 or none for others, and echoes EDNS with our size to us whatever happened upstream. dnsmasq 2.90
 * in front of Consul turns a 60-instance SRV answer into 18 answers over UDP (TC clear, EDNS echoed), and into
 * exactly 3 when it asks upstream with 512 bytes. Neither the echo nor the TC bit nor the size of the reply
 * relative to our own buffer says anything, and the sizes forwarders use vary (1,232, 1,400, 1,452, 4,096...).
 *
 * <p>So a UDP reply is trusted only when no path could have trimmed it: it has the TC bit clear, and it holds no
 * answer (NXDOMAIN, an error, NODATA), or fewer than {@value #CONSUL_UDP_ANSWER_LIMIT} answers with room, under
 * the smallest limit of any path ({@value #SMALLEST_LIMIT} bytes uncompressed, as Consul measures it), for one
 * more answer as large as the average of those it holds. Answers of one service are alike (same domain, same
 * shape of target and extras), so the answer Consul would have dropped could not have fitted there either, and
 * would have fitted in every larger buffer. Everything else, any service of three instances or more, goes over
 * TCP, where Consul does not trim below 64 KiB. A question for the address of one SRV target has one answer and
 * passes.
 */
final class TrimRule {
  /** The UDP payload size we advertise in EDNS0, so that a server or forwarder may send large replies whole. */
  static final int EDNS_BUFFER = 4096;
  /** Consul's default {@code udp_answer_limit}: the answers it keeps for a question without a larger buffer. */
  static final int CONSUL_UDP_ANSWER_LIMIT = 3;
  /**
   * The most a reply may take, uncompressed, to fit the smallest buffer of any path: 512 bytes, less the 8 that
   * Consul keeps free ({@code trimUDPResponse} cuts while the size exceeds {@code 512 - 7}).
   */
  static final int SMALLEST_LIMIT = 512 - 8;
  /** A DNS message header. */
  private static final int HEADER_BYTES = 12;

  private TrimRule() {}

  /** Why {@code reply}, received over UDP, may be incomplete, or {@code null} when it can be trusted. */
  static String whyRetryOverTcp(Message reply) {
    if (reply.getHeader().getFlag(Flags.TC)) {
      return "the server set the TC (truncated) bit";
    }
    if (reply.getRcode() != Rcode.NOERROR) {
      return null; // nothing to trim in NXDOMAIN or an error
    }
    int answers = reply.getSection(Section.ANSWER).size();
    if (answers == 0) {
      return null; // NODATA: Consul never trims the last answer, so there was none
    }
    if (answers >= CONSUL_UDP_ANSWER_LIMIT) {
      return answers + " answers: Consul may have cut the list to " + CONSUL_UDP_ANSWER_LIMIT
          + " or trimmed it to a forwarder's buffer, and a forwarder's EDNS echo does not say which";
    }
    int fixed = HEADER_BYTES + questionBytes(reply);
    int size = uncompressedSize(reply, fixed);
    int perAnswer = (size - fixed + answers - 1) / answers;
    if (size + perAnswer > SMALLEST_LIMIT) {
      return "the " + size + "-byte reply (uncompressed) has no room for another " + perAnswer
          + "-byte answer under " + SMALLEST_LIMIT + " bytes, so a forwarder's buffer may have trimmed it";
    }
    return null;
  }

  private static int questionBytes(Message reply) {
    int bytes = 0;
    for (Record q : reply.getSection(Section.QUESTION)) {
      bytes += q.getName().length() + 4;
    }
    return bytes;
  }

  /** The reply's size without name compression and without its OPT record (Consul adds that after trimming). */
  private static int uncompressedSize(Message reply, int fixed) {
    int size = fixed;
    for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
      for (Record r : reply.getSection(section)) {
        if (r.getType() != Type.OPT) {
          size += r.toWire(Section.ANSWER).length;
        }
      }
    }
    return size;
  }
}
