package dev.discovery.spring;

/**
 * A {@code discovery.consul.*} property holds a value the starter cannot use. Start-up stops with it, and
 * {@link DiscoveryConfigurationFailureAnalyzer} prints which property is wrong and how to fix it. The
 * message never contains a token.
 */
public class DiscoveryConfigurationException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final String property;
  private final String fix;

  /**
   * @param property the full property name, such as {@code discovery.consul.agents}
   * @param problem what is wrong with its value
   * @param fix what to do about it
   */
  public DiscoveryConfigurationException(String property, String problem, String fix, Throwable cause) {
    super(property + ": " + problem + "; " + fix, cause);
    this.property = property;
    this.fix = fix;
  }

  /**
   * Returns {@code d} if it is longer than zero: the one duration check of every {@code discovery.consul.*}
   * property.
   *
   * @throws DiscoveryConfigurationException naming {@code property} and {@code fix} otherwise
   */
  public static java.time.Duration requirePositive(java.time.Duration d, String property, String fix) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new DiscoveryConfigurationException(property, "must be a positive duration, was " + d, fix, null);
    }
    return d;
  }

  /** The property whose value is wrong. */
  public String property() {
    return property;
  }

  /** What to do about it. */
  public String fix() {
    return fix;
  }
}
