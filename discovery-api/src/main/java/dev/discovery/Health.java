package dev.discovery;

/**
 * The health of one service instance as the registry reported it.
 *
 * <p>Consul's HTTP health API gives the exact aggregate of an instance's checks. Consul's DNS interface
 * only leaves out critical instances, so instances found over DNS report {@link #UNKNOWN}: passing or
 * warning, the backend cannot tell which.
 */
public enum Health {
  /** Every check of the instance (and of its node) is passing. */
  PASSING,
  /** At least one check is warning and none is critical. */
  WARNING,
  /** At least one check is critical (or the instance is in maintenance). */
  CRITICAL,
  /** The backend cannot tell passing from warning (DNS); the instance is known not to be critical. */
  UNKNOWN
}
