package dev.discovery.mesos.bridge;

/**
 * A call to one Consul agent failed. {@code unreachable} means the agent did not answer at all
 * (refused, time-out): the rest of that agent's pass is skipped and it is retried with back-off.
 * Otherwise the agent answered with an error about one service, and the pass goes on.
 *
 * <p><b>Internal: for this project's benchmarks and tools; not API, may change in any release.</b> Public only
 * because the methods of {@link ConsulAgents} declare it; it is still made and read only inside this package.
 */
public final class AgentCallException extends Exception {
  private final boolean unreachable;

  AgentCallException(String message, boolean unreachable, Throwable cause) {
    super(message, cause);
    this.unreachable = unreachable;
  }

  boolean unreachable() {
    return unreachable;
  }
}
