package dev.discovery.mesos.plan;

import java.util.Objects;

/**
 * A Consul check derived from a task's {@code check_*} labels (or the bridge's own checks for
 * masters and agents). {@code target} is the URL, {@code host:port}, script or empty for TTL.
 */
public record HealthCheck(Kind kind, String target, String interval, String timeout) {
  /** The kinds of check mesos-consul's labels can ask for. */
  public enum Kind { HTTP, TCP, SCRIPT, TTL }

  /** Creates a check; {@code timeout} may be empty (Consul's default). */
  public HealthCheck {
    Objects.requireNonNull(kind, "kind");
    target = target == null ? "" : target;
    interval = interval == null ? "" : interval;
    timeout = timeout == null ? "" : timeout;
  }

  /** A stable one-line description, stored in service meta so that a changed check is noticed. */
  public String fingerprint() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + target + " every " + interval
        + (timeout.isEmpty() ? "" : " timeout " + timeout);
  }
}
