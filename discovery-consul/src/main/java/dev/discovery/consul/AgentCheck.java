package dev.discovery.consul;

/**
 * A health check as the local agent knows it ({@code GET /v1/agent/checks}). Maintenance mode shows up here
 * as a critical check: {@code _service_maintenance:<service ID>} for one service, {@code _node_maintenance}
 * for the whole node. This is the only place the agent API reports maintenance, so a client that must know
 * whether a service is in maintenance (after its own restart, say) reads it from here.
 *
 * @param id the check's ID on the agent
 * @param name the check's name
 * @param status {@code passing}, {@code warning} or {@code critical}
 * @param serviceId the ID of the service the check belongs to, empty for a node check
 * @param serviceName the name of that service, empty for a node check
 * @param notes the check's notes (for a maintenance check: the reason given)
 * @param output the last output of the check
 * @param type the check's type as Consul reports it ({@code ttl}, {@code http}, {@code maintenance} ...), empty
 *     when the agent did not say
 */
public record AgentCheck(String id, String name, String status, String serviceId, String serviceName,
    String notes, String output, String type) {

  /** The ID prefix of the check Consul adds while a service is in maintenance; the service ID follows it. */
  public static final String SERVICE_MAINTENANCE_PREFIX = "_service_maintenance:";

  /** The ID of the check Consul adds while the whole node is in maintenance. */
  public static final String NODE_MAINTENANCE_ID = "_node_maintenance";

  /** Whether this is the check that puts {@link #serviceId()} in maintenance mode. */
  public boolean serviceMaintenance() {
    return id.startsWith(SERVICE_MAINTENANCE_PREFIX);
  }
}
