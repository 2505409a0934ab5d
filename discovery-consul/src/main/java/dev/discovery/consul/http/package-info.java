/**
 * Service discovery over Consul's HTTP health API: health-filtered lookups kept fresh by blocking queries.
 * Only {@link dev.discovery.consul.http.ConsulHttpBuilder} is public; obtain it from
 * {@link dev.discovery.consul.ConsulDiscovery#http()}.
 */
package dev.discovery.consul.http;
