package dev.discovery;

import java.util.Map;
import java.util.Set;

/**
 * One reachable instance of a service: where to connect ({@code host}, {@code port}) and what the registry
 * says about it. Immutable and validated: a blank id, service or host, a port outside 1..65535 or a weight
 * below 1 is rejected with an {@link IllegalArgumentException} that names the field.
 *
 * @param id stable identifier of the instance, unique within the service's answer
 * @param service the service's name
 * @param host an IP address or host name to connect to
 * @param port the TCP port, 1..65535
 * @param tags the instance's tags (empty when the backend cannot carry them)
 * @param meta the instance's key/value metadata (empty when the backend cannot carry it)
 * @param weight relative weight for weighted balancing, at least 1
 * @param health the instance's health as the registry reported it
 * @param nodeMeta the key/value metadata of the node the instance runs on (empty when the backend cannot carry it)
 */
public record ServiceInstance(
    String id,
    String service,
    String host,
    int port,
    Set<String> tags,
    Map<String, String> meta,
    int weight,
    Health health,
    Map<String, String> nodeMeta) {

  /** Validates every field and takes immutable copies of the collections. */
  public ServiceInstance {
    id = Validation.requireNonBlank(id, "instance id");
    service = Validation.requireNonBlank(service, "instance service name");
    host = Validation.requireNonBlank(host, "instance host of '" + service + "'");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "instance port of '" + service + "' must be within 1..65535, was " + port);
    }
    if (weight < 1) {
      throw new IllegalArgumentException(
          "instance weight of '" + service + "' must be at least 1, was " + weight);
    }
    tags = tags == null ? Set.of() : Set.copyOf(tags);
    meta = meta == null ? Map.of() : Map.copyOf(meta);
    if (health == null) {
      throw new IllegalArgumentException("instance health of '" + service + "' must not be null");
    }
    nodeMeta = nodeMeta == null ? Map.of() : Map.copyOf(nodeMeta);
  }

  /** An instance whose node's metadata is unknown. */
  public ServiceInstance(String id, String service, String host, int port, Set<String> tags,
      Map<String, String> meta, int weight, Health health) {
    this(id, service, host, port, tags, meta, weight, health, Map.of());
  }

  /** A passing instance with no tags or meta and weight 1, identified by {@code host:port}. */
  public static ServiceInstance of(String service, String host, int port) {
    return new ServiceInstance(
        host + ":" + port, service, host, port, Set.of(), Map.of(), 1, Health.PASSING);
  }

  /** {@code host:port}, ready for a URL authority (IPv6 hosts are bracketed). */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** Whether the instance carries the tag, compared case-insensitively as Consul does. */
  public boolean hasTag(String tag) {
    for (String t : tags) {
      if (t.equalsIgnoreCase(tag)) {
        return true;
      }
    }
    return false;
  }
}
