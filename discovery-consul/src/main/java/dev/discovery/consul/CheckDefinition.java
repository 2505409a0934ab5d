package dev.discovery.consul;

import dev.discovery.internal.Checks;
import dev.discovery.Health;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A health check registered together with a service: a TTL check the application (or a
 * {@link Registration}) keeps passing, or an HTTP, TCP or gRPC check the agent runs itself. Immutable; each
 * {@code with}-style method returns a copy. Invalid values are rejected at once with a message naming the field.
 *
 * <pre>{@code
 * CheckDefinition.http("http://10.0.0.5:8080/health", Duration.ofSeconds(10))
 *     .timeout(Duration.ofSeconds(2))
 *     .deregisterCriticalServiceAfter(Duration.ofMinutes(5));
 * }</pre>
 */
public final class CheckDefinition {
  /** What runs the check. */
  public enum Kind {
    /** The application reports its status before the TTL runs out. */
    TTL,
    /** The agent GETs a URL; 2xx is passing, 429 warning, anything else critical. */
    HTTP,
    /** The agent opens a TCP connection; success is passing. */
    TCP,
    /**
     * The agent calls the standard gRPC health service ({@code grpc.health.v1.Health/Check}); {@code SERVING} is
     * passing, anything else critical.
     */
    GRPC
  }

  private final Kind kind;
  private final String target;
  private final Duration ttl;
  private final Duration interval;
  private final Duration timeout;
  private final Duration deregisterCriticalServiceAfter;
  private final Health initialStatus;
  private final String id;
  private final String name;
  private final String notes;
  private final boolean grpcUseTls;

  private CheckDefinition(Kind kind, String target, Duration ttl, Duration interval, Duration timeout,
      Duration deregisterAfter, Health initialStatus, String id, String name, String notes, boolean grpcUseTls) {
    this.kind = kind;
    this.target = target;
    this.ttl = ttl;
    this.interval = interval;
    this.timeout = timeout;
    this.deregisterCriticalServiceAfter = deregisterAfter;
    this.initialStatus = initialStatus;
    this.id = id;
    this.name = name;
    this.notes = notes;
    this.grpcUseTls = grpcUseTls;
  }

  /** A TTL check: critical unless passed (e.g. by a {@link Registration}'s heartbeats) within every {@code ttl}. */
  public static CheckDefinition ttl(Duration ttl) {
    return new CheckDefinition(Kind.TTL, null, Checks.requirePositive(ttl, "check ttl"), null, null, null, null, null, null,
        null, false);
  }

  /** An HTTP check of {@code url} (http or https) run by the agent every {@code interval}. */
  public static CheckDefinition http(String url, Duration interval) {
    URI uri;
    try {
      uri = URI.create(Objects.requireNonNull(url, "check http url"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("check http url '" + url + "' is not a valid URL", e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "check http url '" + url + "' must be an absolute http:// or https:// URL with a host");
    }
    return new CheckDefinition(Kind.HTTP, url, null, Checks.requirePositive(interval, "check interval"), null, null, null,
        null, null, null, false);
  }

  /** A TCP check of {@code hostPort} ({@code host:port}, IPv6 as {@code [::1]:port}) every {@code interval}. */
  public static CheckDefinition tcp(String hostPort, Duration interval) {
    checkHostPort(hostPort);
    return new CheckDefinition(Kind.TCP, hostPort, null, Checks.requirePositive(interval, "check interval"), null, null, null,
        null, null, null, false);
  }

  /**
   * A gRPC check run by the agent every {@code interval}: it calls the standard health service
   * ({@code grpc.health.v1.Health/Check}, as {@code grpc-services}' {@code HealthStatusManager} serves it) at
   * {@code target}, which is {@code host:port} for the server's overall health or {@code host:port/service} for
   * one service's (IPv6 as {@code [::1]:port}). Plain text unless {@link #grpcUseTls(boolean)}.
   */
  public static CheckDefinition grpc(String target, Duration interval) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("check grpc target must not be blank (use host:port or host:port/service)");
    }
    int slash = target.indexOf('/', target.lastIndexOf(']') + 1);
    String hostPort = slash < 0 ? target : target.substring(0, slash);
    String service = slash < 0 ? null : target.substring(slash + 1);
    try {
      checkHostPort(hostPort);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("check grpc target '" + target
          + "' must be host:port or host:port/service with a port within 1..65535 (IPv6 as [::1]:port)");
    }
    if (service != null && (service.isEmpty() || service.chars().anyMatch(Character::isWhitespace))) {
      throw new IllegalArgumentException("check grpc target '" + target
          + "' has an empty or blank health service name after '/'; omit the '/' to check the whole server");
    }
    return new CheckDefinition(Kind.GRPC, target, null, Checks.requirePositive(interval, "check interval"), null,
        null, null, null, null, null, false);
  }

  /** This gRPC check over TLS ({@code GRPCUseTLS}) or plain text (the default). */
  public CheckDefinition grpcUseTls(boolean useTls) {
    if (kind != Kind.GRPC) {
      throw new IllegalArgumentException("check grpcUseTls applies to gRPC checks only, not " + kind + " checks");
    }
    return new CheckDefinition(kind, target, ttl, interval, timeout, deregisterCriticalServiceAfter,
        initialStatus, id, name, notes, useTls);
  }

  /** This check with a time-out for the agent's HTTP, TCP or gRPC probe (Consul's default is 10 s). */
  public CheckDefinition timeout(Duration timeout) {
    if (kind == Kind.TTL) {
      throw new IllegalArgumentException("check timeout applies to HTTP, TCP and gRPC checks, not TTL checks");
    }
    return new CheckDefinition(kind, target, ttl, interval, Checks.requirePositive(timeout, "check timeout"),
        deregisterCriticalServiceAfter, initialStatus, id, name, notes, grpcUseTls);
  }

  /**
   * This check, and Consul removes the service once it has been critical for longer than {@code after}
   * (Consul enforces a minimum of one minute and reaps every 30 s).
   */
  public CheckDefinition deregisterCriticalServiceAfter(Duration after) {
    return new CheckDefinition(kind, target, ttl, interval, timeout,
        Checks.requirePositive(after, "check deregisterCriticalServiceAfter"), initialStatus, id, name, notes, grpcUseTls);
  }

  /** The status the check starts in (Consul starts checks as critical by default). */
  public CheckDefinition initialStatus(Health status) {
    if (status == null || status == Health.UNKNOWN) {
      throw new IllegalArgumentException("check initialStatus must be PASSING, WARNING or CRITICAL, was " + status);
    }
    return new CheckDefinition(kind, target, ttl, interval, timeout, deregisterCriticalServiceAfter, status, id,
        name, notes, grpcUseTls);
  }

  /** This check with an explicit check ID (default: {@code service:<serviceId>[:<n>]}, as Consul generates). */
  public CheckDefinition id(String id) {
    return new CheckDefinition(kind, target, ttl, interval, timeout, deregisterCriticalServiceAfter,
        initialStatus, ServiceRegistration.checkIdentifier(id, "check id"), name, notes, grpcUseTls);
  }

  /** This check with a name (default: {@code Service '<name>' check}). */
  public CheckDefinition name(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("check name must not be blank");
    }
    return new CheckDefinition(kind, target, ttl, interval, timeout, deregisterCriticalServiceAfter,
        initialStatus, id, name, notes, grpcUseTls);
  }

  /** This check with human-readable notes. */
  public CheckDefinition notes(String notes) {
    return new CheckDefinition(kind, target, ttl, interval, timeout, deregisterCriticalServiceAfter,
        initialStatus, id, name, Objects.requireNonNull(notes, "check notes"), grpcUseTls);
  }

  /** What runs the check. */
  public Kind kind() {
    return kind;
  }

  /**
   * The URL of an HTTP check, the {@code host:port} of a TCP check or the {@code host:port[/service]} of a gRPC
   * check; {@code null} for TTL checks.
   */
  public String target() {
    return target;
  }

  /** The TTL of a TTL check, else {@code null}. */
  public Duration ttl() {
    return ttl;
  }

  /** Whether a gRPC check uses TLS ({@code GRPCUseTLS}); always false for other kinds. */
  public boolean grpcUseTls() {
    return grpcUseTls;
  }

  /** The probe interval of an HTTP, TCP or gRPC check, else {@code null}. */
  public Duration interval() {
    return interval;
  }

  /** The probe time-out, or {@code null} for Consul's default. */
  public Duration timeout() {
    return timeout;
  }

  /** After how long critical the service is removed, or {@code null} for never. */
  public Duration deregisterCriticalServiceAfter() {
    return deregisterCriticalServiceAfter;
  }

  /** The initial status, or {@code null} for Consul's default (critical). */
  public Health initialStatus() {
    return initialStatus;
  }

  /** The explicit check ID, or {@code null} to let Consul generate it. */
  public String id() {
    return id;
  }

  /** The explicit name, or {@code null}. */
  public String name() {
    return name;
  }

  /** The notes, or {@code null}. */
  public String notes() {
    return notes;
  }

  private static void checkHostPort(String hostPort) {
    if (hostPort == null || hostPort.isBlank()) {
      throw new IllegalArgumentException("check tcp address must not be blank (use host:port)");
    }
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? "" : hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (host.isBlank() || port < 1 || port > 65535 || host.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("check tcp address '" + hostPort
          + "' must be host:port with a port within 1..65535 (IPv6 as [::1]:port)");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CheckDefinition)) {
      return false;
    }
    CheckDefinition c = (CheckDefinition) o;
    return kind == c.kind && Objects.equals(target, c.target) && Objects.equals(ttl, c.ttl)
        && Objects.equals(interval, c.interval) && Objects.equals(timeout, c.timeout)
        && Objects.equals(deregisterCriticalServiceAfter, c.deregisterCriticalServiceAfter)
        && initialStatus == c.initialStatus && Objects.equals(id, c.id) && Objects.equals(name, c.name)
        && Objects.equals(notes, c.notes) && grpcUseTls == c.grpcUseTls;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, target, ttl, interval, timeout, deregisterCriticalServiceAfter, initialStatus, id,
        name, notes, grpcUseTls);
  }

  @Override
  public String toString() {
    switch (kind) {
      case TTL:
        return "CheckDefinition{ttl=" + GoDuration.format(ttl) + (id == null ? "" : ", id=" + id) + "}";
      default:
        return "CheckDefinition{" + kind.name().toLowerCase(Locale.ROOT) + "=" + target + ", interval="
            + GoDuration.format(interval) + (grpcUseTls ? ", tls" : "") + (id == null ? "" : ", id=" + id) + "}";
    }
  }
}
