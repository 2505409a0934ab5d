package dev.discovery.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Whether the {@code discoveryConsul} health contributor is wanted, with the rule of Boot's own
 * {@code @ConditionalOnEnabledHealthIndicator}: {@code management.health.discovery-consul.enabled} if set, else
 * {@code management.health.defaults.enabled}, else on. Our own condition because Boot's annotation lives in
 * {@code org.springframework.boot.actuate.autoconfigure.health} on Boot 3 and in
 * {@code org.springframework.boot.health.autoconfigure.contributor} on Boot 4, and one jar serves both.
 */
class HealthContributorEnabledCondition extends SpringBootCondition {
  static final String SPECIFIC = "management.health.discovery-consul.enabled";
  static final String DEFAULTS = "management.health.defaults.enabled";

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    Environment env = context.getEnvironment();
    Boolean specific = env.getProperty(SPECIFIC, Boolean.class);
    if (specific != null) {
      return new ConditionOutcome(specific, SPECIFIC + " is " + specific);
    }
    boolean defaults = env.getProperty(DEFAULTS, Boolean.class, true);
    return new ConditionOutcome(defaults, SPECIFIC + " not set, " + DEFAULTS + " is " + defaults);
  }
}
