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

  /** The property whose value is wrong. */
  public String property() {
    return property;
  }

  /** What to do about it. */
  public String fix() {
    return fix;
  }
}
