package dev.discovery.consul;

import dev.discovery.consul.dns.ConsulDnsBuilder;
import dev.discovery.consul.http.ConsulHttpBuilder;

/**
 * Entry points for service discovery backed by Consul. Each returns a builder whose {@code build()} gives a
 * {@link dev.discovery.ServiceDiscovery} that answers lookups from memory and keeps them fresh.
 *
 * <pre>{@code
 * ServiceDiscovery discovery = ConsulDiscovery.http()
 *     .agents(URI.create("http://127.0.0.1:8500"))
 *     .build();
 * }</pre>
 */
public final class ConsulDiscovery {
  private ConsulDiscovery() {}

  /**
   * Discovery over Consul's HTTP health API ({@code /v1/health/service}), kept fresh by blocking queries.
   * Defaults come from {@code CONSUL_HTTP_ADDR}, {@code CONSUL_HTTP_TOKEN(_FILE)}, {@code CONSUL_HTTP_SSL} and
   * the TLS variables ({@code CONSUL_CACERT}, ...; see {@link ConsulEnvironment#tls()}).
   */
  @SuppressWarnings("deprecation") // the factory is the constructor's one sanctioned caller
  public static ConsulHttpBuilder http() {
    return new ConsulHttpBuilder();
  }

  /**
   * Discovery over Consul's DNS interface (SRV lookups, default {@code 127.0.0.1:8600}), refreshed on an
   * interval. Lighter than HTTP but coarser: see {@link ConsulDnsBuilder} for what DNS cannot tell.
   */
  @SuppressWarnings("deprecation") // the factory is the constructor's one sanctioned caller
  public static ConsulDnsBuilder dns() {
    return new ConsulDnsBuilder();
  }
}
