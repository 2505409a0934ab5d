package dev.discovery.spring;

import dev.discovery.balance.ServiceSelector;
import dev.discovery.spring.cloud.DiscoveryLoadBalancerClientConfiguration;
import dev.discovery.spring.cloud.SelectorOutcomeReporter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.context.annotation.Bean;

/**
 * Puts the library behind Spring Cloud LoadBalancer when it is on the class path: every client context
 * (every service called through a {@code @LoadBalanced} {@code RestClient}, {@code RestTemplate} or
 * {@code WebClient}) gets {@link DiscoveryLoadBalancerClientConfiguration} by default, and each call's outcome
 * is reported to the {@link ServiceSelector}. Off with {@code discovery.consul.enabled=false} (even when the
 * application defines its own selector), {@code spring.cloud.discovery.enabled=false} or
 * {@code spring.cloud.loadbalancer.enabled=false}.
 */
@AutoConfiguration(after = DiscoveryConsulAutoConfiguration.class, before = LoadBalancerAutoConfiguration.class)
@ConditionalOnClass({ReactorServiceInstanceLoadBalancer.class, LoadBalancerClients.class})
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".enabled", matchIfMissing = true)
@ConditionalOnDiscoveryEnabled
@ConditionalOnBooleanProperty(name = "spring.cloud.loadbalancer.enabled", matchIfMissing = true)
@ConditionalOnBean(ServiceSelector.class)
@LoadBalancerClients(defaultConfiguration = DiscoveryLoadBalancerClientConfiguration.class)
public class DiscoveryLoadBalancerAutoConfiguration {

  /** Reports each load-balanced call's outcome, so failing instances are ejected. */
  @Bean
  @ConditionalOnMissingBean
  public SelectorOutcomeReporter discoveryOutcomeReporter(ServiceSelector selector) {
    return new SelectorOutcomeReporter(selector);
  }
}
