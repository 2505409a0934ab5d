package dev.discovery.spring;

import dev.discovery.micrometer.MicrometerObserver;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * A {@link MicrometerObserver} when {@code discovery-micrometer} is on the class path and a
 * {@link MeterRegistry} bean exists; the discovery and the selector then publish their meters to it.
 */
@AutoConfiguration(afterName = {
    // Where Spring Boot makes the MeterRegistry: Boot 4 first, then Boot 3's actuator-autoconfigure names.
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"},
    before = DiscoveryConsulAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".enabled", matchIfMissing = true)
@ConditionalOnClass({MicrometerObserver.class, MeterRegistry.class})
public class DiscoveryConsulMetricsAutoConfiguration {

  /** Publishes lookups, staleness, refresh errors and ejections per service. */
  @Bean
  @ConditionalOnBean(MeterRegistry.class)
  @ConditionalOnMissingBean
  public MicrometerObserver discoveryMicrometerObserver(MeterRegistry registry) {
    return MicrometerObserver.create(registry);
  }
}
