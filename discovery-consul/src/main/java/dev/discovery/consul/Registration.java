package dev.discovery.consul;

/**
 * A service registered through {@link ConsulAgent#register}, kept alive until closed: its TTL checks are
 * passed on a schedule, and it is registered again if the agent forgets it (an agent restart).
 * {@link #close()} stops the heartbeats and deregisters it.
 */
public interface Registration extends AutoCloseable {
  /** The registration as sent to the agent. */
  ServiceRegistration service();

  /** Whether the last heartbeat (or the registration itself) succeeded. */
  boolean healthy();

  /** Stops the heartbeats and deregisters the service; failures are logged, not thrown. Idempotent. */
  @Override
  void close();
}
