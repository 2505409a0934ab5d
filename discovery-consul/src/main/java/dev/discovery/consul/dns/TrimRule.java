package dev.discovery.consul.dns;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Decides whether a UDP reply may be missing records, so that the question must be asked again over TCP.
 *
 * <p>Consul trims UDP replies silently: without EDNS to 3 answers, with EDNS by removing whole answers (an
 * SRV record with its A/AAAA/TXT extras) until the reply fits the advertised buffer, and it sets the TC bit
 * only when the agent enables {@code enable_truncate}. A trimmed reply is therefore always close to the
 * buffer: it fits, but fitting one more answer set did not. We advertise {@link #EDNS_BUFFER} bytes and trust
 * a UDP reply only when it carries TC clear, echoes EDNS (so the 3-answer cut did not apply) and uses at most
 * half the buffer, i.e. an answer set of more than {@value #TRUSTED_BYTES} bytes would have had to be cut
 * from it, far more than an SRV record and its address and node-meta records take.
 */
final class TrimRule {
  /** The UDP payload size advertised in EDNS0: large enough for ~20 instances, small enough to travel. */
  static final int EDNS_BUFFER = 4096;
  /** UDP replies up to this size are trusted to be complete. */
  static final int TRUSTED_BYTES = EDNS_BUFFER / 2;

  private TrimRule() {}

  /** Why {@code reply}, received over UDP, may be incomplete, or {@code null} when it can be trusted. */
  static String whyRetryOverTcp(Message reply) {
    if (reply.getHeader().getFlag(Flags.TC)) {
      return "the server set the TC (truncated) bit";
    }
    if (reply.getRcode() != Rcode.NOERROR) {
      return null; // nothing to trim in NXDOMAIN or an error
    }
    if (reply.getOPT() == null) {
      return "the server ignored EDNS0, so it may have cut the answer to 3 records";
    }
    if (reply.numBytes() > TRUSTED_BYTES) {
      return "the " + reply.numBytes() + "-byte reply is close to the " + EDNS_BUFFER
          + "-byte EDNS0 buffer, so the server may have trimmed it";
    }
    return null;
  }
}
