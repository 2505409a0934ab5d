/**
 * Consul for applications: {@link dev.discovery.consul.ConsulDiscovery} builds service discovery over Consul's
 * HTTP or DNS interface; {@link dev.discovery.consul.ConsulAgent} registers services with the local agent and
 * keeps their TTL checks passing.
 */
package dev.discovery.consul;
