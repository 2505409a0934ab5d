/**
 * Service discovery over Consul's DNS interface: SRV lookups with dnsjava, refreshed on an interval by the
 * shared cache. Start from {@link dev.discovery.consul.ConsulDiscovery#dns()}; {@link
 * dev.discovery.consul.dns.ConsulDnsBuilder} says what DNS gives and what it cannot.
 */
package dev.discovery.consul.dns;
