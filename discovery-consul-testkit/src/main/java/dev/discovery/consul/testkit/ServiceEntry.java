package dev.discovery.consul.testkit;

import java.util.List;
import java.util.Map;

/** One service instance on one node, as Consul's catalog stores it. {@code meta} is null when never given. */
record ServiceEntry(
    String node,
    String id,
    String name,
    String kind,
    List<String> tags,
    String address,
    Map<String, TaggedAddress> taggedAddresses,
    Map<String, String> meta,
    int port,
    int weightPassing,
    int weightWarning,
    boolean enableTagOverride,
    long createIndex,
    long modifyIndex) {

  /** A service's tagged address ({@code lan_ipv4} etc.). */
  record TaggedAddress(String address, int port) {}

  ServiceEntry withIndexes(long create, long modify) {
    return new ServiceEntry(node, id, name, kind, tags, address, taggedAddresses, meta, port, weightPassing,
        weightWarning, enableTagOverride, create, modify);
  }

  boolean hasTagIgnoreCase(String tag) {
    for (String t : tags) {
      if (t.equalsIgnoreCase(tag)) {
        return true;
      }
    }
    return false;
  }
}
