package dev.discovery.spring.health;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health contributor on Spring Boot 4 (whose health API lives in {@code org.springframework.boot.health}).
 * Shows {@link DiscoveryHealth}'s report under the name {@code discoveryConsul}.
 */
public final class DiscoveryHealthIndicator implements HealthIndicator {
  private final DiscoveryHealth health;

  /** Shows {@code health}. */
  public DiscoveryHealthIndicator(DiscoveryHealth health) {
    this.health = health;
  }

  @Override
  public Health health() {
    DiscoveryHealth.Report report = health.evaluate();
    return Health.status(report.up() ? Status.UP : Status.DOWN).withDetails(report.details()).build();
  }
}
