package dev.discovery.consul;

import dev.discovery.DiscoveryException;

/**
 * A Consul agent refused or failed an agent-API request (registration, deregistration, a TTL update). The
 * message names the agent, the service or check, Consul's own text and what to do; never the token.
 */
public class ConsulAgentException extends DiscoveryException {
  private static final long serialVersionUID = 1L;
  private final int status;

  /**
   * @param status the HTTP status, or 0 when the agent could not be reached
   */
  public ConsulAgentException(String service, String agent, int status, String message, Throwable cause) {
    super(service, agent, message, cause);
    this.status = status;
  }

  /** The HTTP status the agent answered, or 0 when it could not be reached. */
  public int status() {
    return status;
  }

  /** Whether the agent does not know the service or check (HTTP 404). */
  public boolean notFound() {
    return status == 404;
  }
}
