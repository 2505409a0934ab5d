package dev.discovery.mesos.bridge;

import java.util.List;
import java.util.Map;

/** A service as one Consul agent reports it: what the reconciler compares the plan with. */
record RemoteService(String id, String name, String address, int port, List<String> tags,
                     Map<String, String> meta) {
  RemoteService {
    tags = List.copyOf(tags);
    meta = Map.copyOf(meta);
  }
}
