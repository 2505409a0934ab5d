package dev.discovery.consul.testkit;

import java.util.Objects;

/**
 * One datacenter a {@link ConsulTestAgent} can reach over the (simulated) WAN, for tests of cross-datacenter
 * lookups and failover: its own catalog, index and blocking queries, answered when a request says {@code ?dc=<name>}
 * (or over DNS, {@code <service>.service.<name>.consul}). From {@link ConsulTestAgent#addDatacenter} or
 * {@link ConsulTestAgent#datacenter(String)}; the agent's own datacenter has one too.
 *
 * <pre>{@code
 * TestDatacenter dc2 = agent.addDatacenter("dc2");
 * dc2.registerNodeService("node-b", "10.0.2.5", "{\"Name\":\"web\",\"Port\":80}");
 * dc2.setServiceHealth("web", "critical");
 * }</pre>
 */
public final class TestDatacenter {
  private final AgentState state;
  private final Datacenters datacenters;

  TestDatacenter(AgentState state, Datacenters datacenters) {
    this.state = state;
    this.datacenters = datacenters;
  }

  /** The datacenter's name. */
  public String name() {
    return state.config().datacenter();
  }

  /**
   * Registers a service as the agent on {@code node} in this datacenter would (the node gets a passing
   * {@code serfHealth} check); {@code serviceJson} is a {@code PUT /v1/agent/service/register} body.
   */
  public void registerNodeService(String node, String nodeAddress, String serviceJson) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(nodeAddress, "nodeAddress");
    if (node.isEmpty() || nodeAddress.isEmpty()) {
      throw new IllegalArgumentException("node and nodeAddress must not be empty");
    }
    state.registerNodeService(node, nodeAddress, ConsulTestAgent.parseRegistration(serviceJson));
  }

  /** Removes a service instance (and its checks) from {@code node} of this datacenter. */
  public void deregisterService(String node, String serviceId) {
    try {
      state.deregisterService(node, serviceId);
    } catch (ApiException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /** Sets every check of a service instance of this datacenter to {@code status}; adds one if it has none. */
  public void setServiceHealth(String serviceId, String status) {
    state.setServiceHealth(serviceId, status);
  }

  /** Sets one check's status and output in this datacenter. */
  public void setCheckStatus(String checkId, String status, String output) {
    state.setCheckStatus(checkId, status, output);
  }

  /**
   * How many HTTP requests for {@code path} (no query string, e.g. {@code /v1/health/service/web}) were addressed
   * to this datacenter: with {@code ?dc=<name>}, or, for the agent's own datacenter, without {@code dc}.
   */
  public long requestCount(String path) {
    return datacenters.requestCount(name(), path);
  }

  /** This datacenter's current index (each datacenter has its own, as each has its own Raft log). */
  public long currentIndex() {
    return state.store().index();
  }

  @Override
  public String toString() {
    return "TestDatacenter[" + name() + "]";
  }
}
