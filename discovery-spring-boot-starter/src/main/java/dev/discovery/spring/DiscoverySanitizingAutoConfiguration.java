package dev.discovery.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link ConsulTokenSanitizingFunction} when actuator is on the class path, so the ACL token never
 * shows in {@code /actuator/configprops} or {@code /actuator/env}, whatever their {@code show-values} setting.
 * Actuator applies every {@code SanitizingFunction} bean, so this one adds to the application's own. It does not
 * depend on {@code discovery.consul.enabled}: a token set while discovery is off is still a secret.
 */
@AutoConfiguration
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
public class DiscoverySanitizingAutoConfiguration {

  /** Masks {@code discovery.consul.token}, {@code CONSUL_HTTP_TOKEN} and {@code CONSUL_HTTP_AUTH}. */
  @Bean
  @ConditionalOnMissingBean(name = "discoveryConsulTokenSanitizer")
  public ConsulTokenSanitizingFunction discoveryConsulTokenSanitizer() {
    return new ConsulTokenSanitizingFunction();
  }
}
