package dev.discovery.spring.registration;

import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.spring.DiscoveryConfigurationException;
import dev.discovery.spring.DiscoveryConsulProperties;
import dev.discovery.spring.cloud.ConsulServiceInstance;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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
  private final boolean reactive;

  /**
   * For a servlet web application.
   *
   * @param defaultAddress the address when {@code registration.address} is not set (normally
   *     {@link HostAddresses#firstNonLoopback()})
   */
  public RegistrationFactory(DiscoveryConsulProperties.Registration properties, Environment environment,
      Supplier<String> defaultAddress) {
    this(properties, environment, defaultAddress, false);
  }

  /**
   * @param defaultAddress the address when {@code registration.address} is not set (normally
   *     {@link HostAddresses#firstNonLoopback()})
   * @param reactive whether the application is a reactive (WebFlux) one, whose paths start at
   *     {@code spring.webflux.base-path} rather than {@code server.servlet.context-path}
   */
  public RegistrationFactory(DiscoveryConsulProperties.Registration properties, Environment environment,
      Supplier<String> defaultAddress, boolean reactive) {
    this.properties = properties;
    this.environment = environment;
    this.defaultAddress = defaultAddress;
    this.reactive = reactive;
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
    Integer configured = properties.getPort();
    if (configured != null) {
      if (configured < 1 || configured > 65535) {
        throw new DiscoveryConfigurationException(P + "port", "must be within 1..65535, was " + configured,
            "set the port clients should call, or leave it unset for the web server's own port", null);
      }
      return configured;
    }
    return environment.getProperty("local.server.port", Integer.class, 0);
  }

  /**
   * Checks every property that does not depend on the running server (the name, the id, address, port,
   * tags, meta and check settings) by building a registration for a stand-in address and port. Called when
   * the bean is made, so that a bad value stops start-up before the web server listens.
   *
   * @throws DiscoveryConfigurationException naming the exact property that is wrong
   */
  public void validate() {
    int port = properties.getPort() != null ? port() : 1;
    build(port, blankToNull(properties.getAddress()) != null ? null : "127.0.0.1");
  }

  /**
   * The registration for an application listening on {@code port}.
   *
   * @throws DiscoveryConfigurationException if a property holds something Consul cannot take
   */
  public ServiceRegistration build(int port) {
    return build(port, null);
  }

  private ServiceRegistration build(int port, String standInAddress) {
    String name = serviceName();
    String nameProperty = blankToNull(properties.getServiceName()) != null ? P + "service-name"
        : "spring.application.name";
    String address = blankToNull(properties.getAddress());
    if (address == null) {
      address = standInAddress != null ? standInAddress : defaultAddress.get();
    }
    String id = blankToNull(properties.getInstanceId());
    boolean idGiven = id != null;
    if (id == null) {
      id = (name + "-" + address + "-" + port).replaceAll("[^A-Za-z0-9._-]", "-");
    }
    Map<String, String> meta = new LinkedHashMap<>(properties.getMeta());
    if (environment.getProperty("server.ssl.enabled", Boolean.class, false)) {
      meta.putIfAbsent(ConsulServiceInstance.SECURE_META, "true");
    }
    // Each step on its own, so that Consul's refusal is blamed on the one property that caused it.
    ServiceRegistration.Builder b = consul(nameProperty, "set a name of letters, digits, '-', '_' or '.'",
        () -> ServiceRegistration.builder(name));
    String finalId = id;
    consul(idGiven ? P + "instance-id" : nameProperty, "set an id without white space, '/', '?', '#' or '%'",
        () -> b.id(finalId));
    String finalAddress = address;
    consul(P + "address", "set the address clients should connect to, such as 10.0.0.5",
        () -> b.address(finalAddress));
    consul(P + "port", "set a port within 1..65535", () -> b.port(port));
    List<String> tags = properties.getTags();
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      consul(P + "tags[" + i + "]", "remove the empty tag", () -> b.tags(java.util.Arrays.asList(tag)));
    }
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(meta).entrySet()) {
      consul(P + "meta." + e.getKey(), "use a key of 1..128 letters, digits, '_' or '-' not starting with"
          + " 'consul-', a value of at most 512 characters, and at most 64 entries",
          () -> b.meta(e.getKey(), e.getValue()));
    }
    CheckDefinition check = check(address, port);
    if (check != null) {
      b.check(check);
    }
    return consul(P + "check", "fix the check settings", b::build);
  }

  /** Runs one builder step; an {@link IllegalArgumentException} becomes an error naming {@code property}. */
  private static <T> T consul(String property, String fix, Supplier<T> step) {
    try {
      return step.get();
    } catch (IllegalArgumentException e) {
      throw new DiscoveryConfigurationException(property, "Consul cannot take it: " + e.getMessage(), fix, e);
    }
  }

  private CheckDefinition check(String address, int port) {
    DiscoveryConsulProperties.Check c = properties.getCheck();
    CheckDefinition check;
    switch (c.getType()) {
      case NONE:
        return null;
      case HTTP:
        Duration interval = positive(c.getInterval(), "check.interval");
        Duration timeout = positive(c.getTimeout(), "check.timeout");
        String url = healthUrl(address, port);
        check = consul(P + "check.path", "give a path such as /actuator/health",
            () -> CheckDefinition.http(url, interval)).timeout(timeout);
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

  /**
   * The actuator health endpoint, on the management port when it has one of its own. The path (the actuator's,
   * or {@code registration.check.path}) is under the prefix the server puts in front of every path on that port:
   * {@code management.server.base-path} on a management port of its own, else {@code server.servlet.context-path}
   * (servlet) or {@code spring.webflux.base-path} (reactive).
   */
  String healthUrl(String address, int port) {
    int managementPort = environment.getProperty("local.management.port", Integer.class, 0);
    boolean ownManagementPort = managementPort > 0 && managementPort != port;
    boolean ssl = environment.getProperty("server.ssl.enabled", Boolean.class, false);
    String path = blankToNull(properties.getCheck().getPath());
    if (path == null) {
      String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
      String health = environment.getProperty("management.endpoints.web.path-mapping.health", "health");
      path = (base.endsWith("/") ? base : base + "/") + health;
    }
    String prefix = ownManagementPort ? environment.getProperty("management.server.base-path")
        : environment.getProperty(reactive ? "spring.webflux.base-path" : "server.servlet.context-path");
    path = join(prefix, path);
    String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    return (ssl ? "https" : "http") + "://" + host + ":" + (ownManagementPort ? managementPort : port) + path;
  }

  /** {@code prefix + path} with exactly one slash between them and a leading one. */
  private static String join(String prefix, String path) {
    String p = blankToNull(prefix) == null ? "" : prefix.strip();
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (!p.isEmpty() && !p.startsWith("/")) {
      p = "/" + p;
    }
    return p + (path.startsWith("/") ? path : "/" + path);
  }

  private static Duration positive(Duration d, String property) {
    return DiscoveryConfigurationException.requirePositive(d, P + property, "set it such as 10s");
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
