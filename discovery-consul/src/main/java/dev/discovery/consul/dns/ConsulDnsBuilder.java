package dev.discovery.consul.dns;

import dev.discovery.cache.CachingDiscovery;
import dev.discovery.internal.Checks;
import dev.discovery.spi.DiscoveryBackend;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.xbill.DNS.Name;

/**
 * Configures discovery over Consul's DNS interface (SRV lookups, port 8600 by default). Every setting has a
 * default; with none set, the discovery asks {@code 127.0.0.1:8600} for names under {@code consul.}.
 *
 * <p>What DNS gives, compared with {@link dev.discovery.consul.ConsulDiscovery#http() the HTTP backend}:
 * <ul>
 *   <li>Health is {@link dev.discovery.Health#UNKNOWN}: Consul DNS leaves out critical instances but keeps
 *       warning ones, unless the agent sets {@code dns_config.only_passing = true}. So DNS can be less strict
 *       than HTTP's default {@code passing}, whatever the query's health filter says.</li>
 *   <li>An instance is identified by {@code host:port}; it carries the query's tag only (DNS cannot tell
 *       which other tags it has), no meta, and the SRV weight (Consul's {@code Weights}) as its weight.</li>
 *   <li>At most one all-of tag per query ({@code <tag>.<service>.service...}). Any-of tags are asked one name
 *       per tag and merged (an instance under several names is one instance with those tags). A query with
 *       more all-of tags, all-of and any-of tags together, a filter, service or node meta, or {@code near}
 *       fails at once, before any question, with {@link dev.discovery.InvalidQueryException} saying what DNS
 *       cannot do and to use the HTTP backend: nothing is silently ignored.</li>
 *   <li>No change notification: answers are refreshed every {@link #refreshInterval refresh interval}, or
 *       after the reply's TTL when it is positive (Consul's default TTL is 0).</li>
 * </ul>
 *
 * <p>Completeness, directly and behind a forwarder such as dnsmasq: Consul trims UDP replies silently (to 3
 * answers without EDNS, to the buffer with EDNS), and a forwarder asks it with a buffer of its own while echoing
 * ours. By default SRV questions therefore go over TCP, and only the one-record A/AAAA follow-ups over UDP;
 * {@link #udpFirst()} asks SRV over UDP first and trusts a reply only when no path could have trimmed it (no TC
 * bit, fewer than 3 answers, room for another under 504 bytes uncompressed, the most that fits 512 as Consul
 * measures), asking again over TCP otherwise; {@link #tcp(boolean) tcp(true)} sends every question over TCP. Behind
 * a caching forwarder with a positive {@code dns_config.service_ttl}, the agents should set {@code
 * dns_config.enable_truncate = true}: otherwise one UDP question from any client fills the forwarder's cache with a
 * trimmed set, which it then serves over TCP too (the package documentation says more). The package documentation gives the rule. NXDOMAIN
 * means no healthy instance (an empty list); SERVFAIL, REFUSED, a time-out or a malformed reply mean the
 * registry is unavailable, and the last good answer is served.
 *
 * <p>Obtain it from {@link dev.discovery.consul.ConsulDiscovery#dns()}. Not thread-safe; build once.
 */
public final class ConsulDnsBuilder {
  private static final InetSocketAddress DEFAULT_SERVER = new InetSocketAddress("127.0.0.1", 8600);

  private final List<InetSocketAddress> servers = new ArrayList<>();
  private Name domain = DnsNames.parseDomain("consul.", "domain");
  private Name altDomain;
  private String datacenter;
  private Duration timeout = Duration.ofSeconds(2);
  private boolean rfc2782;
  private Transport transport = Transport.SRV_OVER_TCP;
  private Duration refreshInterval = Duration.ofSeconds(5);
  private Consumer<CachingDiscovery.Builder> cacheSettings = cache -> { };

  /**
   * Kept public for code written against it; new code calls the factory.
   *
   * @deprecated use {@link dev.discovery.consul.ConsulDiscovery#dns()}, the one entry point, which is also where
   *     the defaults are documented. Not to be removed, only discouraged.
   */
  @Deprecated(forRemoval = false)
  public ConsulDnsBuilder() {}

  /**
   * Adds a DNS server to ask (a Consul agent's DNS interface). Servers are asked in the order added, moving
   * on to the next when one fails; the last one that answered is asked first. Default {@code 127.0.0.1:8600}.
   */
  public ConsulDnsBuilder server(InetSocketAddress server) {
    if (server == null || server.isUnresolved() || server.getPort() == 0) {
      throw new IllegalArgumentException("DNS server " + server
          + " must be a resolved address with a port, such as new InetSocketAddress(\"127.0.0.1\", 8600)");
    }
    servers.add(server);
    return this;
  }

  /** The DNS domain of the agent ({@code domain} in its config). Default {@code consul.}. */
  public ConsulDnsBuilder domain(String domain) {
    this.domain = DnsNames.parseDomain(domain, "domain");
    return this;
  }

  /**
   * The agent's {@code alt_domain}, so that SRV targets named under it ({@code <hex>.addr.<dc>.<alt>}) are
   * understood too. Questions always use {@link #domain}. Default none.
   */
  public ConsulDnsBuilder altDomain(String altDomain) {
    this.altDomain = DnsNames.parseDomain(altDomain, "altDomain");
    return this;
  }

  /** The datacenter asked when a query names none. Default none: the agent's own datacenter. */
  public ConsulDnsBuilder datacenter(String datacenter) {
    this.datacenter = DnsNames.checkDatacenter(datacenter);
    return this;
  }

  /**
   * How long to wait for one reply from one server (a UDP question asked again over TCP may take twice as
   * long, and each further server as long again). Default 2 s. Whatever the number of servers, a lookup's
   * calling thread waits at most the {@linkplain CachingDiscovery.Builder#loadTimeout load time-out}, and only for a query's first
   * answer: later lookups are memory reads while the refresh runs on the cache's own thread.
   */
  public ConsulDnsBuilder timeout(Duration timeout) {
    this.timeout = Checks.requirePositive(timeout, "timeout");
    return this;
  }

  /** How often a query is asked again when the reply's TTL is 0 (Consul's default). Default 5 s. */
  public ConsulDnsBuilder refreshInterval(Duration refreshInterval) {
    this.refreshInterval = Checks.requirePositive(refreshInterval, "refreshInterval");
    return this;
  }

  /**
   * Whether to ask in RFC 2782 form ({@code _<service>._<tag|tcp>.service...}) instead of
   * {@code [<tag>.]<service>.service...}; Consul answers both alike. Default false.
   */
  public ConsulDnsBuilder rfc2782(boolean rfc2782) {
    this.rfc2782 = rfc2782;
    return this;
  }

  /**
   * {@code true}: ask every question over TCP, the A/AAAA follow-ups too, for networks where UDP replies get lost.
   * {@code false}: the same as {@link #udpFirst()}. Without either, SRV questions go over TCP and the follow-ups
   * over UDP, which is complete behind any forwarder and measured cheapest (see the module README).
   *
   * <p>Behind a caching forwarder such as dnsmasq with a positive {@code service_ttl}, cached SRV answers come
   * without addresses, so with {@code tcp(true)} a refresh of 60 instances is 121 questions on dnsjava's one TCP
   * connection per server, and dnsmasq closes a connection after 100 questions. The library keeps at most 16 in
   * flight per server and asks again on a new connection those the close cut off, so the refresh goes through, at
   * the cost of a TCP round trip per follow-up where the default sends datagrams.
   */
  public ConsulDnsBuilder tcp(boolean tcp) {
    this.transport = tcp ? Transport.TCP : Transport.UDP_FIRST;
    return this;
  }

  /**
   * Asks SRV questions over UDP first, for users who know their path: a service of one instance (two, when the
   * nodes carry no node-meta TXT records) is then one datagram instead of a TCP exchange. Still complete behind a forwarder: a
   * reply that any buffer on the way could have trimmed (three answers or more, or no room for another under
   * 504 bytes, or the TC bit) is asked again over TCP, which costs a round trip more than {@linkplain #tcp(boolean)
   * the default}.
   *
   * <p>Behind a caching forwarder such as dnsmasq with a positive {@code service_ttl}, and without {@code
   * dns_config.enable_truncate = true} on the agents, this mode poisons the forwarder's shared cache: its own UDP
   * question makes the forwarder cache the set Consul trimmed silently, and the TCP retry, like every other client
   * until the TTL runs out, gets that partial set. Set {@code enable_truncate}, or use the default there.
   */
  public ConsulDnsBuilder udpFirst() {
    this.transport = Transport.UDP_FIRST;
    return this;
  }

  /**
   * Settings of the cache in front of the backend (maximum staleness, idle time-out, load time-out, an observer for
   * metrics such as {@code MicrometerObserver}), applied to the {@link CachingDiscovery.Builder} that
   * {@link #build()} makes, after this builder's {@link #refreshInterval}. Each setting is documented once, there.
   */
  public ConsulDnsBuilder cache(Consumer<CachingDiscovery.Builder> settings) {
    this.cacheSettings = this.cacheSettings.andThen(Objects.requireNonNull(settings, "settings"));
    return this;
  }

  /** For tests: the transport the settings so far map to. */
  Transport transport() {
    return transport;
  }

  /** Builds the discovery: a cache over Consul DNS that owns its resources until closed. */
  public CachingDiscovery build() {
    CachingDiscovery.Builder builder = CachingDiscovery.builder(backend()).refreshInterval(refreshInterval);
    cacheSettings.accept(builder);
    return builder.build();
  }

  /**
   * The backend alone, without a cache: every {@code fetch} is a DNS question. For callers composing their own
   * cache or measuring the backend itself; the caller closes it. {@link #cache} settings and the refresh interval
   * do not apply.
   */
  public DiscoveryBackend backend() {
    List<InetSocketAddress> targets = servers.isEmpty() ? List.of(DEFAULT_SERVER) : List.copyOf(servers);
    return new ConsulDnsBackend(targets, domain, altDomain, datacenter, rfc2782, transport, timeout);
  }

}
