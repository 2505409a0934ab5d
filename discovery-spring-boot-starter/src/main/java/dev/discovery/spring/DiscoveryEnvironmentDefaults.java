package dev.discovery.spring;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns Spring Cloud Commons' own discovery health indicators ({@code discoveryClient} and the
 * {@code discoveryComposite} around it) off by default while this starter is on the class path. They sit over
 * our {@code DiscoveryClient}: until an {@code InstanceRegisteredEvent} they report UNKNOWN "Discovery Client not
 * initialized", and after one they call {@code getServices()} on each health request and go DOWN whenever the
 * catalog call fails, even while every lookup is still served from the last good answer. That contradicts the
 * {@code discoveryConsul} contributor's rule (DOWN only when lookups would fail) and would pull the aggregate
 * health, and with it Kubernetes probes and the Consul HTTP check, down for a Consul outage.
 *
 * <p>The defaults go in as the last property source, so any setting of the application (properties, YAML,
 * environment, command line) wins: {@code spring.cloud.discovery.client.health-indicator.enabled=true} and
 * {@code spring.cloud.discovery.client.composite-indicator.enabled=true} bring them back. With
 * {@code discovery.consul.enabled=false} nothing is added.
 *
 * <p>It implements {@code org.springframework.boot.env.EnvironmentPostProcessor}, the interface Boot 3.5 knows;
 * Boot 4 moved it to {@code org.springframework.boot} but still loads the old one, so one class serves both.
 */
@SuppressWarnings("deprecation")
public class DiscoveryEnvironmentDefaults implements org.springframework.boot.env.EnvironmentPostProcessor, Ordered {
  /** The name of the property source this adds. */
  public static final String SOURCE = "discoveryConsulDefaults";
  static final String HEALTH_INDICATOR = "spring.cloud.discovery.client.health-indicator.enabled";
  static final String COMPOSITE_INDICATOR = "spring.cloud.discovery.client.composite-indicator.enabled";

  /** Creates the post-processor (Boot instantiates it from {@code META-INF/spring.factories}). */
  public DiscoveryEnvironmentDefaults() {
  }

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (!environment.getProperty(DiscoveryConsulProperties.PREFIX + ".enabled", Boolean.class, true)
        || environment.getPropertySources().contains(SOURCE)) {
      return;
    }
    environment.getPropertySources().addLast(new MapPropertySource(SOURCE,
        Map.of(HEALTH_INDICATOR, "false", COMPOSITE_INDICATOR, "false")));
  }

  /** After the config data post-processor, so {@code discovery.consul.enabled} from application files is seen. */
  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
