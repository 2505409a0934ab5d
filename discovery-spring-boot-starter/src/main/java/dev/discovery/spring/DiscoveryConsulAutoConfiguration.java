package dev.discovery.spring;

import dev.discovery.ServiceDiscovery;
import dev.discovery.balance.LoadBalancer;
import dev.discovery.balance.LoadBalancers;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.dns.ConsulDnsBuilder;
import dev.discovery.consul.http.ConsulHttpBuilder;
import dev.discovery.spi.DiscoveryObserver;
import dev.discovery.spring.cloud.ServiceCatalogReader;
import dev.discovery.spring.health.QueryStates;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The library's own beans: the checked {@link ConsulSettings}, a {@link ConsulAgent} (registration, the
 * catalog, the health probe), the {@link ServiceDiscovery} (closed with the context) and a
 * {@link ServiceSelector}. Each yields to a bean of the same type the application defines.
 *
 * <p>Every {@link DiscoveryObserver} bean (the starter's {@link QueryStates}, a {@code MicrometerObserver})
 * hears the discovery and the selector.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".enabled", matchIfMissing = true)
@EnableConfigurationProperties(DiscoveryConsulProperties.class)
public class DiscoveryConsulAutoConfiguration {

  /** The checked settings; a bad property stops start-up here, naming the property and the fix. */
  @Bean
  @ConditionalOnMissingBean
  public ConsulSettings discoveryConsulSettings(DiscoveryConsulProperties properties) {
    return ConsulSettings.of(properties);
  }

  /**
   * Keeps the settings eager under {@code spring.main.lazy-initialization=true}: otherwise nothing asks for
   * them until the first lookup, and a bad property would surface at run time instead of stopping start-up.
   */
  @Bean
  static LazyInitializationExcludeFilter discoveryConsulSettingsEagerly() {
    return LazyInitializationExcludeFilter.forBeanTypes(ConsulSettings.class);
  }

  /** Tracks the watched queries for the health contributor. */
  @Bean
  @ConditionalOnMissingBean
  public QueryStates discoveryQueryStates() {
    return new QueryStates();
  }

  /** The client of the first agent: self-registration, {@code getServices()} and the health probe use it. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public ConsulAgent discoveryConsulAgent(ConsulSettings settings) {
    ConsulAgent.Builder agent = ConsulAgent.builder().timeout(Duration.ofSeconds(5));
    if (!settings.agents().isEmpty()) {
      agent.uri(settings.agents().get(0));
    }
    applyToken(settings, agent);
    try {
      return agent.build();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw environmentProblem(e);
    }
  }

  /** The catalog's service names, for {@code getServices()} and the health probe. */
  @Bean
  @ConditionalOnMissingBean
  public ServiceCatalogReader discoveryServiceCatalogReader(ConsulAgent agent, ConsulSettings settings) {
    return new ServiceCatalogReader(agent, settings.datacenter());
  }

  /** The discovery, over HTTP or DNS as {@code discovery.consul.backend} says; closed with the context. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public ServiceDiscovery discoveryServiceDiscovery(ConsulSettings settings, DiscoveryConsulProperties properties,
      ObjectProvider<DiscoveryObserver> observers) {
    DiscoveryObserver observer = CompositeObserver.of(observers.orderedStream().collect(Collectors.toList()));
    try {
      if (settings.backend() == DiscoveryConsulProperties.Backend.DNS) {
        ConsulDnsBuilder dns = ConsulDiscovery.dns()
            .server(settings.dnsServer())
            .domain(settings.dnsDomain())
            .refreshInterval(settings.dnsRefreshInterval())
            .cache(cache -> cache.maxStaleness(settings.maxStaleness()).observer(observer));
        if (settings.datacenter() != null) {
          dns.datacenter(settings.datacenter());
        }
        return dns.build();
      }
      ConsulHttpBuilder http = ConsulDiscovery.http()
          .cache(cache -> cache.maxStaleness(settings.maxStaleness()).observer(observer));
      if (!settings.agents().isEmpty()) {
        http.agents(settings.agents());
      }
      if (settings.token() != null) {
        http.token(settings.token());
      } else if (settings.tokenFile() != null) {
        http.tokenFile(settings.tokenFile());
      }
      if (settings.datacenter() != null) {
        http.datacenter(settings.datacenter());
      }
      return http.build();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw environmentProblem(e);
    }
  }

  /** Picks instances and ejects failing ones; {@code @LoadBalanced} clients go through it. */
  @Bean
  @ConditionalOnMissingBean
  public ServiceSelector discoveryServiceSelector(ServiceDiscovery discovery, DiscoveryConsulProperties properties,
      ObjectProvider<DiscoveryObserver> observers) {
    // The selector.* values were checked by ConsulSettings, which the discovery bean depends on.
    DiscoveryConsulProperties.Selector s = properties.getSelector();
    List<DiscoveryObserver> all = observers.orderedStream().collect(Collectors.toList());
    return ServiceSelector.builder(discovery)
        .balancer(balancer(s.getBalancer()))
        .failuresToEject(s.getFailuresToEject())
        .ejectionTime(s.getEjectionTime())
        .maxEjectedPercent(s.getMaxEjectedPercent())
        .observer(CompositeObserver.of(all))
        .build();
  }

  private static LoadBalancer balancer(DiscoveryConsulProperties.Balancer balancer) {
    switch (balancer) {
      case RANDOM:
        return LoadBalancers.random();
      case WEIGHTED:
        return LoadBalancers.weightedRoundRobin();
      case LEAST_IN_FLIGHT:
        return LoadBalancers.leastInFlight();
      default:
        return LoadBalancers.roundRobin();
    }
  }

  private static void applyToken(ConsulSettings settings, ConsulAgent.Builder agent) {
    if (settings.token() != null) {
      agent.token(settings.token());
    } else if (settings.tokenFile() != null) {
      agent.tokenFile(settings.tokenFile());
    }
  }

  /**
   * A setting the library refused: with no property of ours at fault, it comes from the {@code CONSUL_*}
   * environment (the library's message names the variable) or a token file that went away since the check.
   */
  private static DiscoveryConfigurationException environmentProblem(RuntimeException e) {
    return new DiscoveryConfigurationException(DiscoveryConsulProperties.PREFIX + ".agents",
        "the Consul client refused its settings: " + e.getMessage(),
        "set " + DiscoveryConsulProperties.PREFIX + ".agents (and token / token-file), or fix the CONSUL_*"
            + " environment variable the message names", e);
  }
}
