package dev.discovery.mesos.bridge;

import dev.discovery.mesos.plan.DesiredService;
import java.util.List;

/**
 * The Consul agents the reconciler talks to, addressed by agent key (a Mesos host's IP, or the one
 * central agent). The only I/O the reconciler does; tests use an in-memory fake.
 *
 * <p><b>Internal: for this project's benchmarks and tools; not API, may change in any release.</b> Public only
 * so that the benchmarks can put in-memory agents behind a bridge or reconciler built by
 * {@link InternalBridgeAccess}; the bridge itself always uses its HTTP agent pool.
 */
public interface ConsulAgents extends AutoCloseable {
  /** Every service the agent holds, the bridge's and everyone else's, with whether each is in maintenance. */
  List<RemoteService> services(String agent) throws AgentCallException;

  /** Registers (or replaces) one service. */
  void register(String agent, DesiredService service) throws AgentCallException;

  /** Deregisters one service by ID. */
  void deregister(String agent, String serviceId) throws AgentCallException;

  /** Turns Consul maintenance mode on or off for one service (Consul keeps it across re-registration). */
  void maintenance(String agent, String serviceId, boolean enable, String reason) throws AgentCallException;

  /** Where an agent key points, for logs (never with credentials). */
  String describe(String agent);

  @Override
  void close();
}
