package dev.discovery.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link DiscoveryConfigurationException} into Spring Boot's "APPLICATION FAILED TO START" report:
 * the property and the problem as the description, the fix as the action.
 */
public class DiscoveryConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<DiscoveryConfigurationException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, DiscoveryConfigurationException cause) {
    return new FailureAnalysis(cause.getMessage(), "Fix the property " + cause.property() + ": " + cause.fix(), cause);
  }
}
