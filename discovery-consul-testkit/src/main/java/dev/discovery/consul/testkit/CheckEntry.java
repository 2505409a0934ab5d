package dev.discovery.consul.testkit;

import java.util.List;

/** A health check, node-level when {@code serviceId} is empty. */
record CheckEntry(
    String node,
    String checkId,
    String name,
    String status,
    String notes,
    String output,
    String serviceId,
    String serviceName,
    List<String> serviceTags,
    String type,
    CheckDefinition definition,
    long createIndex,
    long modifyIndex) {

  static final String PASSING = "passing";
  static final String WARNING = "warning";
  static final String CRITICAL = "critical";

  static boolean validStatus(String status) {
    return PASSING.equals(status) || WARNING.equals(status) || CRITICAL.equals(status);
  }

  CheckEntry withStatus(String newStatus, String newOutput) {
    return new CheckEntry(node, checkId, name, newStatus, notes, newOutput, serviceId, serviceName, serviceTags,
        type, definition, createIndex, modifyIndex);
  }

  CheckEntry withIndexes(long create, long modify) {
    return new CheckEntry(node, checkId, name, status, notes, output, serviceId, serviceName, serviceTags, type,
        definition, create, modify);
  }
}
