package dev.discovery;

import java.time.Duration;

/**
 * The registry could not be asked (refused, timed out, failing) and there is no answer fresh enough to
 * serve instead. Carries the cause and, when there is a last good answer, how old it is.
 */
public class RegistryUnavailableException extends DiscoveryException {
  private static final long serialVersionUID = 1L;
  private final transient Duration staleness;

  /**
   * @param staleness the age of the last good answer, or {@code null} if the query never had one
   */
  public RegistryUnavailableException(String service, String backend, Duration staleness, Throwable cause) {
    super(service, backend, message(service, backend, staleness, cause), cause);
    this.staleness = staleness;
  }

  /** The age of the last good answer, or {@code null} if the query was never answered. */
  public Duration staleness() {
    return staleness;
  }

  private static String message(String service, String backend, Duration staleness, Throwable cause) {
    String why = cause == null ? "no answer" : String.valueOf(cause.getMessage());
    String age = staleness == null
        ? "no answer was ever received"
        : "the last good answer is " + staleness.toMillis() + " ms old, beyond the allowed staleness";
    return "registry unavailable for service '" + service + "' at " + backend + ": " + why + "; " + age
        + "; check that the agent is running and reachable";
  }
}
