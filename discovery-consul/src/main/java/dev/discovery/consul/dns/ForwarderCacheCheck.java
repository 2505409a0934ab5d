package dev.discovery.consul.dns;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;

/**
 * Warns when SRV answers look like they come from a caching forwarder that may hold a set Consul trimmed.
 *
 * <p>Why: with a positive {@code dns_config.service_ttl}, a caching forwarder such as dnsmasq keeps what Consul
 * answered for the TTL and serves it to every client over UDP and TCP alike. When its entry was filled by a UDP
 * question (any application on the host, {@code dig}, {@code udpFirst()}), Consul trimmed that reply to the
 * forwarder's buffer without the TC bit (unless the agent sets {@code dns_config.enable_truncate = true}), and the
 * forwarder then serves that partial set, say 18 of 60 instances, over TCP too, with nothing to tell it from a
 * complete one. The library cannot get past the cache; it can say so, once:
 * <ul>
 *   <li>an answer of three or more instances with a positive TTL and no address records came from a cache (Consul
 *       itself always adds the targets' addresses over TCP), so the risk exists: one WARN per backend;</li>
 *   <li>an answer with a positive TTL that holds fewer instances than an earlier one for the same name is suspect:
 *       one WARN per name, with both counts.</li>
 * </ul>
 * A genuine scale-down also shrinks an answer; the WARN says "may".
 */
final class ForwarderCacheCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ForwarderCacheCheck.class);
  /** Bounds the memory of names; past it, the largest counts are forgotten and warnings may repeat. */
  private static final int MAX_NAMES = 4096;
  static final String ADVICE = "set dns_config.enable_truncate = true on the Consul agents (trimmed UDP replies then"
      + " carry the TC bit and dnsmasq does not cache them), or keep service_ttl at 0 for the Consul domain";

  private final String description;
  private final ConcurrentHashMap<Name, Integer> largest = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Name, Boolean> warnedShrink = new ConcurrentHashMap<>();
  private final AtomicBoolean warnedCache = new AtomicBoolean();

  ForwarderCacheCheck(String description) {
    this.description = description;
  }

  /**
   * Looks at one SRV answer: {@code answers} targets, {@code withAddresses} whether the reply carried an address for
   * any of them, {@code ttl} null when zero. Returns the warning logged, or null, for tests.
   */
  String inspect(Name name, int answers, boolean withAddresses, Duration ttl) {
    if (ttl == null) {
      return null; // TTL 0: nothing is cached anywhere, every answer is Consul's own
    }
    if (largest.size() > MAX_NAMES) {
      largest.clear();
      warnedShrink.clear();
    }
    Integer previous = largest.get(name);
    largest.merge(name, answers, Math::max);
    if (previous != null && previous > answers && answers >= TrimRule.CONSUL_UDP_ANSWER_LIMIT
        && warnedShrink.putIfAbsent(name, Boolean.TRUE) == null) {
      String warning = description + ": " + DnsNames.display(name) + " SRV gave " + answers + " instances where an"
          + " earlier answer gave " + previous + ", with a positive TTL (" + ttl.toSeconds() + " s): a caching"
          + " forwarder such as dnsmasq may be serving a set that Consul trimmed for a UDP question, silently, and it"
          + " serves it over TCP too until the TTL runs out; " + ADVICE;
      LOG.warn(warning);
      return warning;
    }
    if (!withAddresses && answers >= TrimRule.CONSUL_UDP_ANSWER_LIMIT && warnedCache.compareAndSet(false, true)) {
      String warning = description + ": " + DnsNames.display(name) + " SRV came from a DNS cache (TTL "
          + ttl.toSeconds() + " s, no address records, which Consul adds itself): when that is a caching forwarder"
          + " such as dnsmasq, any UDP question for a service makes it cache the set Consul trimmed to its buffer,"
          + " without the TC bit, and serve that partial set to every client, over TCP too; " + ADVICE;
      LOG.warn(warning);
      return warning;
    }
    return null;
  }
}
