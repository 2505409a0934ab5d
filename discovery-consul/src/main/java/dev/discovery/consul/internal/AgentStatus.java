package dev.discovery.consul.internal;

/**
 * What a status code from a Consul agent means, decided in one place for every client. Consul's text decides
 * between the kinds of 500: an unknown datacenter and a filter that cannot be parsed are the caller's to fix, any
 * other 500 is the cluster's trouble. Pure. Internal: see the package documentation.
 */
public enum AgentStatus {
  /** 2xx. */
  OK(false, false),
  /** 400: the request itself is wrong; Consul says why. */
  BAD_REQUEST(false, true),
  /** 403: the ACL token was refused (missing, unknown, or without the permission). */
  TOKEN_REFUSED(false, false),
  /** 404: no such endpoint or object (a wrong ID, or not a Consul agent at that address). */
  NOT_FOUND(false, false),
  /** 429: too many requests or connections from this client; retry later. */
  RATE_LIMITED(true, false),
  /** 500 "No path to datacenter": the datacenter does not exist. */
  UNKNOWN_DATACENTER(false, false),
  /**
   * 500 "Failed to create boolean expression evaluator" (a bad {@code filter}), also behind a client agent's
   * "rpc error making call: " prefix.
   */
  INVALID_FILTER(false, true),
  /** Any other 5xx: the agent or its servers are in trouble; retry later. */
  SERVER_ERROR(true, false),
  /** Anything else. */
  OTHER(false, false);

  /** Longest Consul text quoted in a message; the rest is cut so a huge error page stays a readable line. */
  public static final int MAX_QUOTED = 500;

  private final boolean transientFailure;
  private final boolean rejectsRequest;

  AgentStatus(boolean transientFailure, boolean rejectsRequest) {
    this.transientFailure = transientFailure;
    this.rejectsRequest = rejectsRequest;
  }

  /** Whether the same request may succeed later, so a retry with back-off makes sense. */
  public boolean isTransient() {
    return transientFailure;
  }

  /**
   * Whether Consul rejected the request itself, so that sending it again can never succeed and a watch stops
   * asking: a malformed request (400) or a filter expression Consul cannot parse. Unlike a refused token (which
   * an operator may grant meanwhile) or an unknown datacenter (which may join later), nothing outside the
   * request changes this answer.
   */
  public boolean rejectsRequest() {
    return rejectsRequest;
  }

  /** The meaning of {@code code} with Consul's {@code text} (may be {@code null}). */
  public static AgentStatus of(int code, String text) {
    String t = text == null ? "" : text;
    if (code >= 200 && code < 300) {
      return OK;
    }
    switch (code) {
      case 400:
        return BAD_REQUEST;
      case 403:
        return TOKEN_REFUSED;
      case 404:
        return NOT_FOUND;
      case 429:
        return RATE_LIMITED;
      default:
        break;
    }
    if (code == 500 && t.contains("No path to datacenter")) {
      return UNKNOWN_DATACENTER;
    }
    if (code == 500 && t.contains("Failed to create boolean expression evaluator")) {
      return INVALID_FILTER;
    }
    return code >= 500 ? SERVER_ERROR : OTHER;
  }

  /** Consul's text as quoted in messages: stripped and cut to {@link #MAX_QUOTED} characters. Scrub it first. */
  public static String quote(String text) {
    String t = text == null ? "" : text.strip();
    return t.length() > MAX_QUOTED ? t.substring(0, MAX_QUOTED) + "..." : t;
  }
}
