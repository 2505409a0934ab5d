package dev.discovery.balance;

/** How a call to a chosen instance went, as reported to a {@link ServiceSelector}. */
public enum Outcome {
  /** The instance answered (any response that says it is alive, even an application error). */
  SUCCESS,
  /** The instance could not be reached or failed in a way that says it is unhealthy (refused, time-out, 5xx). */
  FAILURE
}
