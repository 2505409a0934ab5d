package dev.discovery.spring;

import dev.discovery.ServiceDiscovery;
import dev.discovery.spring.cloud.ConsulDiscoveryClient;
import dev.discovery.spring.cloud.ServiceCatalogReader;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.CommonsClientAutoConfiguration;
import org.springframework.cloud.client.ConditionalOnBlockingDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Spring Cloud's blocking {@code DiscoveryClient}, unless {@code discovery.consul.enabled},
 * {@code spring.cloud.discovery.enabled} or
 * {@code spring.cloud.discovery.blocking.enabled} is false. Ordered before Spring Cloud's simple (static list)
 * client and its commons configuration, as Spring Cloud's own registries are.
 */
@AutoConfiguration(after = DiscoveryConsulAutoConfiguration.class,
    before = {SimpleDiscoveryClientAutoConfiguration.class, CommonsClientAutoConfiguration.class})
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".enabled", matchIfMissing = true)
@ConditionalOnDiscoveryEnabled
@ConditionalOnBlockingDiscoveryEnabled
@ConditionalOnBean(ServiceDiscovery.class)
public class DiscoveryClientAutoConfiguration {

  /** The discovery client: instances from the cache, services from the catalog. */
  @Bean
  @ConditionalOnMissingBean
  public ConsulDiscoveryClient consulDiscoveryClient(ServiceDiscovery discovery, ConsulSettings settings,
      ServiceCatalogReader catalog) {
    return new ConsulDiscoveryClient(discovery, settings, catalog);
  }
}
