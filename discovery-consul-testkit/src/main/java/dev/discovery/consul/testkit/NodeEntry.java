package dev.discovery.consul.testkit;

import java.util.Map;

/** A catalog node; {@code agentNode} nodes carry Serf's {@code serfHealth} check like a real agent's node. */
record NodeEntry(
    String name,
    String id,
    String address,
    String datacenter,
    Map<String, String> taggedAddresses,
    Map<String, String> meta,
    boolean agentNode,
    long createIndex,
    long modifyIndex) {

  NodeEntry withIndexes(long create, long modify) {
    return new NodeEntry(name, id, address, datacenter, taggedAddresses, meta, agentNode, create, modify);
  }
}
