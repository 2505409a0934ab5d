/**
 * Service discovery over Consul's DNS interface: SRV lookups with dnsjava, refreshed on an interval by the
 * shared cache. Start from {@link dev.discovery.consul.ConsulDiscovery#dns()}; {@link
 * dev.discovery.consul.dns.ConsulDnsBuilder} says what DNS gives and what it cannot.
 *
 * <h2>Complete answers, directly and behind a forwarder</h2>
 *
 * <p>Consul trims UDP replies silently (without the TC bit unless {@code enable_truncate} is set): asked
 * without EDNS or with 512 bytes, to {@code udp_answer_limit} answers (3) and 512 bytes; asked with a larger
 * buffer, to that buffer. Between the library and Consul there is often a forwarder (dnsmasq on each agent host,
 * systemd-resolved, unbound, BIND). It asks Consul with its own buffer (1,232 bytes for most since the 2020 DNS
 * flag day, 512 or none for others) and echoes EDNS with our buffer size to us whatever happened upstream, so
 * a trimmed reply looks complete: through dnsmasq 2.90, 18 of 60 instances, or exactly 3 when it asks with 512
 * bytes. Hence:
 * <ul>
 *   <li>By default SRV questions go over TCP ({@code Transport.SRV_OVER_TCP}), where Consul does not trim below
 *       64 KiB; the A/AAAA follow-ups go over UDP, their answer being one record. Measured through dnsmasq,
 *       this is the cheapest complete way for services of 2 and of 60 instances (figure 8 of the benchmarks'
 *       README): a UDP question first only adds a round trip when its reply cannot be trusted.</li>
 *   <li>Every UDP reply passes one rule, {@code TrimRule}: it is trusted only when no path could have trimmed
 *       it (TC clear; no answer, or fewer than 3 answers with room for one more of their average size under
 *       504 bytes uncompressed, the smallest limit of any path), and asked again over TCP otherwise. Exactly 3
 *       answers, Consul's cut for a forwarder without EDNS upstream, is never trusted.</li>
 *   <li>{@link dev.discovery.consul.dns.ConsulDnsBuilder#udpFirst()} asks SRV over UDP first under the same rule,
 *       for small services; {@link dev.discovery.consul.dns.ConsulDnsBuilder#tcp(boolean) tcp(true)} asks
 *       everything over TCP.</li>
 *   <li>A TCP question on a connection the server closed under it (dnsmasq closes kept connections after 100
 *       questions) is asked again on a new one, up to 3 times. dnsjava keeps one TCP connection per server for the
 *       whole JVM and pipelines on it, so at most 16 questions are in flight on it ({@code TcpLane}): a refresh of
 *       more targets than dnsmasq serves per connection then still goes through with {@code tcp(true)}.</li>
 * </ul>
 *
 * <h2>Caching forwarders and a positive TTL: set {@code enable_truncate}</h2>
 *
 * <p>With {@code dns_config.service_ttl} above 0, a caching forwarder such as dnsmasq keeps Consul's SRV answer for
 * the TTL and serves it to all its clients, over UDP and TCP alike. When a UDP question filled that entry (any
 * application on the host, {@code dig}, {@code udpFirst()}), Consul trimmed the reply to the forwarder's buffer
 * without the TC bit, and the forwarder serves the partial set (18 of 60 through dnsmasq 2.90) even on a fresh TCP
 * connection, as complete-looking as any answer. No client can get past that cache. Behind caching forwarders the
 * agents should therefore run with {@code dns_config.enable_truncate = true}: a trimmed UDP reply then carries TC,
 * dnsmasq does not cache it, and a TCP question is forwarded and answered whole. Otherwise keep {@code service_ttl}
 * at 0 for services, or turn caching off for the Consul domain. The library WARNs, once, when it sees the risk
 * ({@code ForwarderCacheCheck}): an SRV answer of 3 or more instances with a positive TTL and no address records
 * (a cache answered: Consul adds them itself), or such an answer smaller than an earlier one for the same name.
 */
package dev.discovery.consul.dns;
