package dev.discovery.spring;

import dev.discovery.ServiceDiscovery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.spring.cloud.ServiceCatalogReader;
import dev.discovery.spring.health.AgentProbe;
import dev.discovery.spring.health.Boot3HealthIndicatorFactoryBean;
import dev.discovery.spring.health.DiscoveryHealth;
import dev.discovery.spring.health.DiscoveryHealthIndicator;
import dev.discovery.spring.health.QueryStates;
import dev.discovery.spring.registration.SelfRegistration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The actuator health contributor {@code discoveryConsul}, on Spring Boot 4 and 3 alike: the evaluation
 * ({@link DiscoveryHealth}) is shared, and one of two small adapters shows it, chosen by which health API is
 * on the class path (Boot 4 moved it from {@code org.springframework.boot.actuate.health} to
 * {@code org.springframework.boot.health.contributor}). Off with
 * {@code management.health.discovery-consul.enabled=false} (or {@code management.health.defaults.enabled=false}
 * when the specific switch is not set, as for Boot's own indicators) or {@code discovery.consul.enabled=false}.
 */
@AutoConfiguration(after = {DiscoveryConsulAutoConfiguration.class, DiscoveryRegistrationAutoConfiguration.class})
@Conditional(HealthContributorEnabledCondition.class)
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".enabled", matchIfMissing = true)
@ConditionalOnBean({ServiceDiscovery.class, QueryStates.class})
public class DiscoveryHealthAutoConfiguration {
  static final String BOOT4_INDICATOR = "org.springframework.boot.health.contributor.HealthIndicator";

  /** The evaluation both adapters show. */
  static DiscoveryHealth discoveryHealth(ServiceDiscovery discovery, QueryStates queries, ConsulSettings settings,
      ObjectProvider<ServiceCatalogReader> catalog, ObjectProvider<SelfRegistration> registration) {
    String backend = discovery instanceof CachingDiscovery
        ? ((CachingDiscovery) discovery).backendDescription() : discovery.getClass().getSimpleName();
    // The probe asks the agent's HTTP API; with the DNS backend lookups do not depend on it.
    AgentProbe probe = settings.backend() == DiscoveryConsulProperties.Backend.HTTP && catalog.getIfAvailable() != null
        ? new AgentProbe(catalog.getIfAvailable()) : null;
    return new DiscoveryHealth(backend, queries, settings.maxStaleness(), probe, () -> {
      SelfRegistration self = registration.getIfAvailable();
      return self == null ? null : self.registration();
    });
  }

  /** Spring Boot 4. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = BOOT4_INDICATOR)
  static class Boot4 {
    @Bean
    @ConditionalOnMissingBean(name = "discoveryConsulHealthIndicator")
    DiscoveryHealthIndicator discoveryConsulHealthIndicator(ServiceDiscovery discovery, QueryStates queries,
        ConsulSettings settings, ObjectProvider<ServiceCatalogReader> catalog,
        ObjectProvider<SelfRegistration> registration) {
      return new DiscoveryHealthIndicator(discoveryHealth(discovery, queries, settings, catalog, registration));
    }
  }

  /** Spring Boot 3.x. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = Boot3HealthIndicatorFactoryBean.INDICATOR)
  @ConditionalOnMissingClass(BOOT4_INDICATOR)
  static class Boot3 {
    @Bean
    @ConditionalOnMissingBean(name = "discoveryConsulHealthIndicator")
    Boot3HealthIndicatorFactoryBean discoveryConsulHealthIndicator(ObjectProvider<ServiceDiscovery> discovery,
        ObjectProvider<QueryStates> queries, ObjectProvider<ConsulSettings> settings,
        ObjectProvider<ServiceCatalogReader> catalog, ObjectProvider<SelfRegistration> registration) {
      // Providers, not beans: Spring makes a factory bean early to ask its object type, and it must not pull
      // the discovery (and its settings) into creation then.
      return new Boot3HealthIndicatorFactoryBean(() -> discoveryHealth(discovery.getObject(), queries.getObject(),
          settings.getObject(), catalog, registration));
    }
  }
}
