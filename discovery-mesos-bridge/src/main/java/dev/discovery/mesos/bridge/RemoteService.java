package dev.discovery.mesos.bridge;

import java.util.List;
import java.util.Map;

/**
 * A service as one Consul agent reports it: what the reconciler compares the plan with.
 *
 * <p><b>Internal: for this project's benchmarks and tools; not API, may change in any release.</b> Public only
 * because {@link ConsulAgents#services} returns it.
 *
 * @param maintenance whether the agent has the service in maintenance mode (its {@code _service_maintenance:<id>}
 *     check), read from Consul rather than remembered, so it holds across restarts and leader changes
 */
public record RemoteService(String id, String name, String address, int port, List<String> tags,
                            Map<String, String> meta, boolean maintenance) {
  /** Copies {@code tags} and {@code meta}: a {@code RemoteService} never changes once made. */
  public RemoteService {
    tags = List.copyOf(tags);
    meta = Map.copyOf(meta);
  }

  /** A service not in maintenance. */
  RemoteService(String id, String name, String address, int port, List<String> tags, Map<String, String> meta) {
    this(id, name, address, port, tags, meta, false);
  }
}
