package dev.discovery.consul.testkit;

import java.util.List;
import java.util.Map;

/** A validated agent service registration payload, with Consul's defaults applied. */
record ServiceRegistration(
    String id,
    String name,
    String kind,
    List<String> tags,
    String address,
    Map<String, ServiceEntry.TaggedAddress> taggedAddresses,
    Map<String, String> meta,
    int port,
    int weightPassing,
    int weightWarning,
    boolean enableTagOverride,
    List<CheckRegistration> checks) {

  /** One check of a registration; {@code status} is null when the payload gave none. */
  record CheckRegistration(String checkId, String name, String notes, String status, CheckDefinition definition) {}
}
