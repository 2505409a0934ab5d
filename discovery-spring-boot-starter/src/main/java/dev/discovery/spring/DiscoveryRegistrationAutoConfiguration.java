package dev.discovery.spring;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.spring.registration.HostAddresses;
import dev.discovery.spring.registration.RegistrationFactory;
import dev.discovery.spring.registration.SelfRegistration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Self-registration of a web application ({@link SelfRegistration}): on by default, off with
 * {@code discovery.consul.registration.enabled=false} or Spring Cloud's
 * {@code spring.cloud.service-registry.auto-registration.enabled=false}. The instance is registered only once
 * the web server listens; a web application context without a server (a mock-MVC test) registers nothing.
 */
@AutoConfiguration(after = DiscoveryConsulAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".registration.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.auto-registration.enabled", matchIfMissing = true)
@ConditionalOnBean(ConsulAgent.class)
public class DiscoveryRegistrationAutoConfiguration {

  /** What to register. */
  @Bean
  @ConditionalOnMissingBean
  public RegistrationFactory discoveryRegistrationFactory(DiscoveryConsulProperties properties,
      Environment environment) {
    return new RegistrationFactory(properties.getRegistration(), environment, HostAddresses::firstNonLoopback);
  }

  /** Registers on start, deregisters on graceful shutdown. */
  @Bean
  @ConditionalOnMissingBean
  public SelfRegistration discoverySelfRegistration(ConsulAgent agent, RegistrationFactory factory,
      DiscoveryConsulProperties properties) {
    java.time.Duration retry = DiscoveryConfigurationException.requirePositive(
        properties.getRegistration().getRetryInterval(),
        DiscoveryConsulProperties.PREFIX + ".registration.retry-interval", "set it such as 5s");
    return new SelfRegistration(agent, factory, retry);
  }
}
