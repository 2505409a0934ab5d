package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import java.util.Map;
import java.util.Objects;

/**
 * Where an instance's zone is written: a key of its service metadata or of its node's metadata. Given to
 * {@link ServiceSelector.Builder#zone} with the caller's own zone. An instance without the key (or with an empty
 * value) is in no zone, which counts as another zone than the caller's.
 *
 * <p>Consul DNS carries no metadata: over the DNS backend no instance has a zone, so every pick is a spill-over,
 * which is the same as selecting without zones.
 */
public final class ZoneKey {
  private final String key;
  private final boolean node;

  private ZoneKey(String key, boolean node) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("zone key must not be blank (for example ZoneKey.serviceMeta(\"zone\"))");
    }
    this.key = key;
    this.node = node;
  }

  /** The zone is the service metadata value under {@code key} ({@code Service.Meta} in Consul). */
  public static ZoneKey serviceMeta(String key) {
    return new ZoneKey(key, false);
  }

  /** The zone is the node metadata value under {@code key} ({@code Node.Meta} in Consul, read by the HTTP backend). */
  public static ZoneKey nodeMeta(String key) {
    return new ZoneKey(key, true);
  }

  /**
   * Reads a key written as {@code service:KEY} or {@code node:KEY}, for configuration files and command lines.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static ZoneKey parse(String text) {
    if (text != null && text.startsWith("service:") && text.length() > "service:".length()) {
      return serviceMeta(text.substring("service:".length()));
    }
    if (text != null && text.startsWith("node:") && text.length() > "node:".length()) {
      return nodeMeta(text.substring("node:".length()));
    }
    throw new IllegalArgumentException("zone key '" + text + "' must be service:KEY (service metadata) or"
        + " node:KEY (node metadata), for example service:zone");
  }

  /** The instance's zone, or {@code null} when it has none. */
  public String zoneOf(ServiceInstance instance) {
    Map<String, String> meta = node ? instance.nodeMeta() : instance.meta();
    String zone = meta.get(key);
    return zone == null || zone.isEmpty() ? null : zone;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ZoneKey && ((ZoneKey) o).key.equals(key) && ((ZoneKey) o).node == node;
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, node);
  }

  /** {@code service:KEY} or {@code node:KEY}, the form {@link #parse} reads. */
  @Override
  public String toString() {
    return (node ? "node:" : "service:") + key;
  }
}
