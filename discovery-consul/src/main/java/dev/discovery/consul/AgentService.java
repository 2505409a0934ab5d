package dev.discovery.consul;

import java.util.List;
import java.util.Map;

/**
 * A service as the local agent knows it ({@code GET /v1/agent/services}); agent-local, so it can differ from
 * the catalog until anti-entropy has synced.
 *
 * @param id the instance's ID on the agent
 * @param name the service's name
 * @param address the registered address, empty when the node's address is used
 * @param port the port, 0 when none
 * @param tags the tags
 * @param meta the metadata
 * @param passingWeight the weight while passing
 * @param warningWeight the weight while warning
 * @param enableTagOverride whether tag override is enabled
 * @param datacenter the agent's datacenter, empty when the agent did not say
 */
public record AgentService(String id, String name, String address, int port, List<String> tags,
    Map<String, String> meta, int passingWeight, int warningWeight, boolean enableTagOverride,
    String datacenter) {

  /** Copies the collections. */
  public AgentService {
    tags = List.copyOf(tags);
    meta = Map.copyOf(meta);
  }
}
