package dev.discovery.spring.registration;

import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.spring.DiscoveryConfigurationException;
import dev.discovery.spring.DiscoveryConsulProperties;
import dev.discovery.spring.cloud.ConsulServiceInstance;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.core.env.Environment;

/**
 * Builds this application's {@link ServiceRegistration} from {@code discovery.consul.registration.*}, the
 * application name and the web server's actual port (read from {@code local.server.port}, which Spring Boot
 * sets once the server listens). Kept apart from the lifecycle so that each rule can be tested alone.
 */
public final class RegistrationFactory {
  private static final String P = DiscoveryConsulProperties.PREFIX + ".registration.";
  private final DiscoveryConsulProperties.Registration properties;
  private final Environment environment;
  private final Supplier<String> defaultAddress;

  /**
   * @param defaultAddress the address when {@code registration.address} is not set (normally
   *     {@link HostAddresses#firstNonLoopback()})
   */
  public RegistrationFactory(DiscoveryConsulProperties.Registration properties, Environment environment,
      Supplier<String> defaultAddress) {
    this.properties = properties;
    this.environment = environment;
    this.defaultAddress = defaultAddress;
  }

  /** The service name: {@code registration.service-name}, else {@code spring.application.name}. */
  public String serviceName() {
    String name = blankToNull(properties.getServiceName());
    if (name == null) {
      name = blankToNull(environment.getProperty("spring.application.name"));
    }
    if (name == null) {
      throw new DiscoveryConfigurationException("spring.application.name",
          "is not set, and self-registration needs a service name",
          "set spring.application.name (or " + P + "service-name), or turn registration off with " + P
              + "enabled=false", null);
    }
    return name;
  }

  /** The port to register, or 0 when no web server listens (and nothing is to be registered). */
  public int port() {
    if (properties.getPort() != null) {
      return properties.getPort();
    }
    return environment.getProperty("local.server.port", Integer.class, 0);
  }

  /**
   * The registration for an application listening on {@code port}.
   *
   * @throws DiscoveryConfigurationException if a property holds something Consul cannot take
   */
  public ServiceRegistration build(int port) {
    String name = serviceName();
    String address = blankToNull(properties.getAddress());
    if (address == null) {
      address = defaultAddress.get();
    }
    String id = blankToNull(properties.getInstanceId());
    if (id == null) {
      id = (name + "-" + address + "-" + port).replaceAll("[^A-Za-z0-9._-]", "-");
    }
    Map<String, String> meta = new LinkedHashMap<>(properties.getMeta());
    if (environment.getProperty("server.ssl.enabled", Boolean.class, false)) {
      meta.putIfAbsent(ConsulServiceInstance.SECURE_META, "true");
    }
    try {
      ServiceRegistration.Builder b = ServiceRegistration.builder(name).id(id).address(address).port(port)
          .tags(properties.getTags()).meta(meta);
      CheckDefinition check = check(address, port);
      if (check != null) {
        b.check(check);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new DiscoveryConfigurationException(P + "*", "Consul cannot take this registration: "
          + e.getMessage(), "fix the property the message names", e);
    }
  }

  private CheckDefinition check(String address, int port) {
    DiscoveryConsulProperties.Check c = properties.getCheck();
    CheckDefinition check;
    switch (c.getType()) {
      case NONE:
        return null;
      case HTTP:
        check = CheckDefinition.http(healthUrl(address, port), positive(c.getInterval(), "check.interval"))
            .timeout(positive(c.getTimeout(), "check.timeout"));
        break;
      default:
        check = CheckDefinition.ttl(positive(c.getTtl(), "check.ttl"));
        break;
    }
    if (c.getDeregisterCriticalServiceAfter() != null) {
      check = check.deregisterCriticalServiceAfter(
          positive(c.getDeregisterCriticalServiceAfter(), "check.deregister-critical-service-after"));
    }
    return check;
  }

  /** The actuator health endpoint, on the management port when it has one of its own. */
  String healthUrl(String address, int port) {
    int managementPort = environment.getProperty("local.management.port", Integer.class, 0);
    boolean ssl = environment.getProperty("server.ssl.enabled", Boolean.class, false);
    String path = blankToNull(properties.getCheck().getPath());
    if (path == null) {
      String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
      String health = environment.getProperty("management.endpoints.web.path-mapping.health", "health");
      path = (base.endsWith("/") ? base : base + "/") + health;
    }
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    return (ssl ? "https" : "http") + "://" + host + ":" + (managementPort > 0 ? managementPort : port) + path;
  }

  private static Duration positive(Duration d, String property) {
    return DiscoveryConfigurationException.requirePositive(d, P + property, "set it such as 10s");
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
