package dev.discovery.consul.dns;

import org.xbill.DNS.Type;

/**
 * Which transport a question goes over first. Whatever the choice, a UDP reply is used only when {@link TrimRule}
 * finds it complete; otherwise the question is asked again over TCP.
 */
enum Transport {
  /**
   * The default: SRV questions over TCP, the A/AAAA follow-ups over UDP. Behind a forwarder a UDP reply to an SRV
   * question of more than two instances cannot be trusted anyway ({@link TrimRule}), so UDP first would cost a
   * round trip more for every such service; an address question has one record, which is never trimmed.
   */
  SRV_OVER_TCP,
  /** Every question over UDP first ({@code udpFirst()}, {@code tcp(false)}). */
  UDP_FIRST,
  /** Every question over TCP ({@code tcp(true)}). */
  TCP;

  /** Whether a question of {@code type} goes straight to TCP. */
  boolean tcpFirst(int type) {
    return this == TCP || (this == SRV_OVER_TCP && type == Type.SRV);
  }
}
