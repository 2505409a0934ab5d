package dev.discovery.mesos.bridge;

/**
 * A call to one Consul agent failed, and how far it got (see {@link #kind()}). Only an agent that did not answer
 * at all (refused connection, time-out) is {@linkplain #unreachable() unreachable}: the rest of that agent's pass
 * is skipped and it is retried with back-off. An agent that answered with an error is reachable, and is logged
 * as refusing the request it answered, never as unreachable.
 *
 * <p><b>Internal: for this project's benchmarks and tools; not API, may change in any release.</b> Public only
 * because the methods of {@link ConsulAgents} declare it; it is still made and read only inside this package.
 */
public final class AgentCallException extends Exception {
  /** How far a failed call got; {@link #label()} is the {@code cause} label of the agent-error counter. */
  enum Kind {
    /** No answer: refused connection, time-out, reset. */
    UNREACHABLE("unreachable"),
    /** The agent's port answered, but TLS failed (its certificate refused, or TLS to a plain HTTP port). */
    TLS("tls"),
    /** The agent answered with an HTTP error status (403, 404, 500, ...). */
    REFUSED("refused"),
    /** The agent answered 2xx with a body the bridge cannot use. */
    BAD_ANSWER("bad_answer"),
    /** The bridge did not send the request: what it would have sent is invalid. */
    NOT_SENT("not_sent");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  private final boolean unreachable;
  private final int status;

  /**
   * A failure without an HTTP status: {@code unreachable} when the agent did not answer, otherwise a request
   * the bridge did not send.
   */
  AgentCallException(String message, boolean unreachable, Throwable cause) {
    super(message, cause);
    this.unreachable = unreachable;
    this.status = 0;
  }

  /** A failure with the HTTP status the agent answered; status 0 means it did not answer (unreachable). */
  AgentCallException(String message, int status, Throwable cause) {
    super(message, cause);
    this.unreachable = status == 0;
    this.status = status;
  }

  boolean unreachable() {
    return unreachable;
  }

  /** The HTTP status the agent answered, or 0 when it did not answer or was not asked. */
  int status() {
    return status;
  }

  Kind kind() {
    if (unreachable) {
      return tlsFailure(getCause()) ? Kind.TLS : Kind.UNREACHABLE;
    }
    if (status >= 300) {
      return Kind.REFUSED;
    }
    return status > 0 ? Kind.BAD_ANSWER : Kind.NOT_SENT;
  }

  /** Whether {@code e} or a cause is a TLS failure (handshake, certificate, TLS to a plain HTTP port). */
  static boolean tlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }
}
