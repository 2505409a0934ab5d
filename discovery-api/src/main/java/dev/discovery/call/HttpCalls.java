package dev.discovery.call;

import dev.discovery.balance.Outcome;
import java.util.Set;

/**
 * The HTTP rules the HTTP integrations describe their calls with, so that every client library applies the
 * same ones: which methods may be sent twice, and which statuses count against an instance.
 */
public final class HttpCalls {
  /** Methods whose request may be repeated without changing the result (RFC 9110, section 9.2.2). */
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");

  private HttpCalls() {}

  /**
   * Whether a request with {@code method} may be retried: GET, HEAD, PUT, DELETE and OPTIONS may. Methods are
   * case-sensitive in HTTP, so {@code "get"} is not {@code GET}.
   */
  public static boolean idempotent(String method) {
    return method != null && IDEMPOTENT.contains(method);
  }

  /**
   * How a response with {@code status} reflects on the instance that sent it: a 5xx is a
   * {@linkplain Outcome#FAILURE failure}; anything else, 4xx included, says the instance is alive and is a
   * {@linkplain Outcome#SUCCESS success}.
   */
  public static Outcome outcome(int status) {
    return status >= 500 ? Outcome.FAILURE : Outcome.SUCCESS;
  }
}
