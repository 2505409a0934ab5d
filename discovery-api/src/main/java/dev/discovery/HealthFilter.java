package dev.discovery;

/** Which instances a {@link ServiceQuery} accepts, by health. */
public enum HealthFilter {
  /** Only instances whose checks are all passing (Consul's {@code ?passing}); the default. */
  PASSING,
  /** Passing and warning instances; only critical ones are left out (what Consul's DNS does by default). */
  PASSING_OR_WARNING;

  /** Whether an instance of the given health is accepted by this filter. */
  public boolean accepts(Health health) {
    switch (health) {
      case PASSING:
        return true;
      case WARNING:
      case UNKNOWN:
        return this == PASSING_OR_WARNING || health == Health.UNKNOWN;
      default:
        return false;
    }
  }
}
