package dev.discovery.mesos.plan;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One service the bridge wants registered in one Consul agent. {@code check} may be null.
 * {@code unhealthy} asks for Consul maintenance mode with {@code maintenanceReason}.
 */
public record DesiredService(String id, String name, String address, int port, List<String> tags,
                             Map<String, String> meta, HealthCheck check, boolean unhealthy,
                             String maintenanceReason) {
  /** Service meta key holding the Mesos task ID, so that a restarted task is re-registered. */
  public static final String META_TASK_ID = "mesos-task-id";
  /** Service meta key holding the check's fingerprint: Consul's service listing does not show checks. */
  public static final String META_CHECK = "bridge-check";

  /** Creates a desired service; collections are copied. */
  public DesiredService {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    tags = List.copyOf(tags);
    meta = Map.copyOf(meta);
    maintenanceReason = maintenanceReason == null ? "" : maintenanceReason;
  }
}
