package dev.discovery.spring.cloud;

import dev.discovery.ServiceDiscovery;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.spring.ConsulSettings;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The default configuration of every Spring Cloud LoadBalancer client context (one per service): the
 * {@link SelectorLoadBalancer} and the push-fed {@link SubscribingServiceInstanceListSupplier}. A client's
 * own {@code @LoadBalancerClient(configuration = ...)} beans come first and win.
 *
 * <p>Not an auto-configuration and never component-scanned: Spring Cloud instantiates it in each client
 * context.
 */
@Configuration(proxyBeanMethods = false)
public class DiscoveryLoadBalancerClientConfiguration {

  /** The balancer of this context's service. */
  @Bean
  @ConditionalOnMissingBean
  public ReactorLoadBalancer<ServiceInstance> discoveryLoadBalancer(Environment environment,
      ServiceSelector selector, ConsulSettings settings) {
    return new SelectorLoadBalancer(serviceName(environment), selector, settings);
  }

  /** The instances of this context's service, as pushed by the library's subscription. */
  @Bean
  @ConditionalOnMissingBean
  public ServiceInstanceListSupplier discoveryServiceInstanceListSupplier(Environment environment,
      ServiceDiscovery discovery, ConsulSettings settings) {
    return new SubscribingServiceInstanceListSupplier(serviceName(environment), discovery, settings);
  }

  private static String serviceName(Environment environment) {
    return environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
  }
}
