package dev.discovery.spring;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.spring.registration.HostAddresses;
import dev.discovery.spring.registration.RegistrationFactory;
import dev.discovery.spring.registration.SelfRegistration;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.context.WebApplicationContext;

/**
 * Self-registration of a web application ({@link SelfRegistration}): on by default, off with
 * {@code discovery.consul.enabled=false},
 * {@code discovery.consul.registration.enabled=false} or Spring Cloud's
 * {@code spring.cloud.service-registry.auto-registration.enabled=false}. The instance is registered only once
 * the web server listens; a web application context without a server (a mock-MVC test) registers nothing.
 */
@AutoConfiguration(after = DiscoveryConsulAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".enabled", matchIfMissing = true)
@ConditionalOnWebApplication
@ConditionalOnBooleanProperty(name = DiscoveryConsulProperties.PREFIX + ".registration.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.auto-registration.enabled", matchIfMissing = true)
@ConditionalOnBean(ConsulAgent.class)
public class DiscoveryRegistrationAutoConfiguration {
  private static final String BOOT4_WEB_SERVER_CONTEXT =
      "org.springframework.boot.web.server.context.WebServerApplicationContext";
  private static final String BOOT3_WEB_SERVER_CONTEXT = "org.springframework.boot.web.context.WebServerApplicationContext";

  /**
   * What to register. Every registration property that does not wait for the server's port is checked here,
   * while the context is being built and before the web server listens, so a bad value stops start-up with
   * nothing registered and no port opened. A web context without a server (a mock-MVC test) registers nothing
   * unless {@code registration.port} is set, so it is checked only then.
   */
  @Bean
  @ConditionalOnMissingBean
  public RegistrationFactory discoveryRegistrationFactory(DiscoveryConsulProperties properties,
      Environment environment, ApplicationContext context) {
    // Servlet contexts are WebApplicationContexts; reactive ones are not (spring-web is there with either).
    boolean reactive = !(context instanceof WebApplicationContext);
    RegistrationFactory factory = new RegistrationFactory(properties.getRegistration(), environment,
        HostAddresses::firstNonLoopback, reactive);
    if (hasWebServer(context) || properties.getRegistration().getPort() != null) {
      factory.validate();
    }
    return factory;
  }

  /** Whether {@code context} runs a web server; by name, as the interface moved package in Boot 4. */
  static boolean hasWebServer(ApplicationContext context) {
    ClassLoader loader = context.getClassLoader();
    for (String name : new String[] {BOOT4_WEB_SERVER_CONTEXT, BOOT3_WEB_SERVER_CONTEXT}) {
      if (ClassUtils.isPresent(name, loader) && ClassUtils.resolveClassName(name, loader).isInstance(context)) {
        return true;
      }
    }
    return false;
  }


  /** Keeps the registration checks eager under {@code spring.main.lazy-initialization=true}. */
  @Bean
  static LazyInitializationExcludeFilter discoveryRegistrationEagerly() {
    return LazyInitializationExcludeFilter.forBeanTypes(RegistrationFactory.class, SelfRegistration.class);
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
