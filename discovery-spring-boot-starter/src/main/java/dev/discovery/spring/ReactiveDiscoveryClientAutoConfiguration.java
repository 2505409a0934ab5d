package dev.discovery.spring;

import dev.discovery.ServiceDiscovery;
import dev.discovery.spring.cloud.ConsulReactiveDiscoveryClient;
import dev.discovery.spring.cloud.ServiceCatalogReader;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnReactiveDiscoveryEnabled;
import org.springframework.cloud.client.ReactiveCommonsClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Flux;

/**
 * Spring Cloud's {@code ReactiveDiscoveryClient} when Reactor and (as Spring Cloud requires for every reactive
 * discovery client) {@code WebClient} are on the class path, unless
 * {@code discovery.consul.enabled}, {@code spring.cloud.discovery.enabled} or
 * {@code spring.cloud.discovery.reactive.enabled} is false.
 */
@AutoConfiguration(after = DiscoveryConsulAutoConfiguration.class,
    before = {SimpleReactiveDiscoveryClientAutoConfiguration.class, ReactiveCommonsClientAutoConfiguration.class})
@ConditionalOnClass(Flux.class)
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".enabled", matchIfMissing = true)
@ConditionalOnDiscoveryEnabled
@ConditionalOnReactiveDiscoveryEnabled
@ConditionalOnBean(ServiceDiscovery.class)
public class ReactiveDiscoveryClientAutoConfiguration {

  /** The reactive discovery client. */
  @Bean
  @ConditionalOnMissingBean
  public ConsulReactiveDiscoveryClient consulReactiveDiscoveryClient(ServiceDiscovery discovery,
      ConsulSettings settings, ServiceCatalogReader catalog) {
    return new ConsulReactiveDiscoveryClient(discovery, settings, catalog);
  }
}
