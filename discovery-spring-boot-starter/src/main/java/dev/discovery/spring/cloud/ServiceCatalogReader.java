package dev.discovery.spring.cloud;

import dev.discovery.consul.ConsulAgent;
import java.util.ArrayList;
import java.util.List;

/**
 * The names of the services in Consul's catalog, for {@code getServices()} and the discovery clients' probe:
 * one request to the first agent's catalog API each time (Spring Cloud calls it rarely; lookups of instances
 * never go through it).
 */
public final class ServiceCatalogReader {
  private final ConsulAgent agent;
  private final String datacenter;

  /**
   * @param datacenter the datacenter to list, or {@code null} for the agent's own
   */
  public ServiceCatalogReader(ConsulAgent agent, String datacenter) {
    this.agent = agent;
    this.datacenter = datacenter;
  }

  /**
   * The service names, sorted.
   *
   * @throws dev.discovery.consul.ConsulAgentException if the agent cannot be asked or refuses the token
   */
  public List<String> serviceNames() {
    return new ArrayList<>(agent.catalogServices(datacenter).names()); // already sorted
  }

  /** The agent asked. */
  public ConsulAgent agent() {
    return agent;
  }
}
