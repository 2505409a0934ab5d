package dev.discovery.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's settings, under {@code discovery.consul}. Values are checked when the beans are built (see
 * {@link ConsulSettings}), so a bad one stops start-up with a message naming the property and the fix.
 *
 * <p>{@link #toString()} never shows the token.
 */
@ConfigurationProperties(prefix = DiscoveryConsulProperties.PREFIX)
public class DiscoveryConsulProperties {
  /** The prefix of every property of this starter. */
  public static final String PREFIX = "discovery.consul";

  /** Whether the starter configures anything at all. */
  private boolean enabled = true;

  /**
   * The agents' HTTP addresses, in order of preference ({@code http://host:port}, {@code https://host:port} or
   * {@code host:port}). Default: {@code CONSUL_HTTP_ADDR}, else {@code http://127.0.0.1:8500}. Registration
   * and the catalog use the first.
   */
  private List<String> agents = new ArrayList<>();

  /** The ACL token, sent in the X-Consul-Token header only. Default: CONSUL_HTTP_TOKEN(_FILE). */
  private String token;

  /** A file holding the ACL token, read at start-up. Excludes {@code token}. */
  private String tokenFile;

  /** The datacenter to ask. Default: the agent's own. */
  private String datacenter;

  /**
   * Which instances count as healthy: only passing ones, or passing and warning ones. HTTP backend only: with
   * backend=dns, the agent decides (its dns_config.only_passing setting).
   */
  private HealthMode health = HealthMode.PASSING;

  /**
   * How old the last good answer may grow while Consul cannot be reached before lookups fail (and the health
   * contributor shows DOWN).
   */
  private Duration maxStaleness = Duration.ofMinutes(10);

  /** How instances are looked up: Consul's HTTP health API (blocking queries) or its DNS interface. */
  private Backend backend = Backend.HTTP;

  /** Settings of the DNS backend. */
  private final Dns dns = new Dns();

  /** Outlier ejection and balancing of the ServiceSelector behind @LoadBalanced clients. */
  private final Selector selector = new Selector();

  /** Self-registration of this application. */
  private final Registration registration = new Registration();

  /** Which healths a lookup accepts. */
  public enum HealthMode {
    /** Only instances whose checks all pass (Consul's ?passing). */
    PASSING,
    /** Passing and warning instances; only critical ones are left out. */
    WARNING
  }

  /** Where lookups go. */
  public enum Backend {
    /** Consul's HTTP health API, kept fresh by blocking queries: a change arrives within one round trip. */
    HTTP,
    /** Consul's DNS interface (SRV), refreshed on an interval; needs {@code discovery.consul.dns.server}. */
    DNS
  }

  /** The load-balancing strategy of the selector. */
  public enum Balancer {
    /** Each instance in turn. */
    ROUND_ROBIN,
    /** A random instance. */
    RANDOM,
    /** Smooth weighted round robin by Consul's Weights. */
    WEIGHTED,
    /** The less busy of two random instances. */
    LEAST_IN_FLIGHT
  }

  /** Settings of the DNS backend. */
  public static class Dns {
    /** The agent's DNS interface, host:port (e.g. 127.0.0.1:8600). Required when backend=dns. */
    private String server;

    /** The agent's DNS domain. */
    private String domain = "consul.";

    /** How often an answer without TTL is asked again. */
    private Duration refreshInterval = Duration.ofSeconds(5);

    public String getServer() {
      return server;
    }

    public void setServer(String server) {
      this.server = server;
    }

    public String getDomain() {
      return domain;
    }

    public void setDomain(String domain) {
      this.domain = domain;
    }

    public Duration getRefreshInterval() {
      return refreshInterval;
    }

    public void setRefreshInterval(Duration refreshInterval) {
      this.refreshInterval = refreshInterval;
    }
  }

  /** Outlier ejection and balancing. */
  public static class Selector {
    /** The load-balancing strategy. */
    private Balancer balancer = Balancer.ROUND_ROBIN;

    /** Consecutive failures (I/O errors, 5xx answers) that eject an instance; 0 turns ejection off. */
    private int failuresToEject = 5;

    /** How long an ejected instance is left out. */
    private Duration ejectionTime = Duration.ofSeconds(30);

    /** The largest share of a service's instances, in percent, that may be ejected at once. */
    private int maxEjectedPercent = 50;

    public Balancer getBalancer() {
      return balancer;
    }

    public void setBalancer(Balancer balancer) {
      this.balancer = balancer;
    }

    public int getFailuresToEject() {
      return failuresToEject;
    }

    public void setFailuresToEject(int failuresToEject) {
      this.failuresToEject = failuresToEject;
    }

    public Duration getEjectionTime() {
      return ejectionTime;
    }

    public void setEjectionTime(Duration ejectionTime) {
      this.ejectionTime = ejectionTime;
    }

    public int getMaxEjectedPercent() {
      return maxEjectedPercent;
    }

    public void setMaxEjectedPercent(int maxEjectedPercent) {
      this.maxEjectedPercent = maxEjectedPercent;
    }
  }

  /** Self-registration of this application with the first agent. */
  public static class Registration {
    /** Whether to register this application; it is registered only when a web server runs. */
    private boolean enabled = true;

    /** The service name. Default: spring.application.name. */
    private String serviceName;

    /** The instance's ID, unique on the agent. Default: {@code <service>-<address>-<port>}. */
    private String instanceId;

    /**
     * The address other services connect to. Default: the first non-loopback address of this host (loopback
     * when it has none).
     */
    private String address;

    /** The port other services connect to. Default: the web server's actual port. */
    private Integer port;

    /** Tags of the instance. */
    private List<String> tags = new ArrayList<>();

    /** Metadata of the instance; {@code secure=true} makes clients of this starter use https. */
    private Map<String, String> meta = new LinkedHashMap<>();

    /** The health check Consul keeps for the instance. */
    private final Check check = new Check();

    /** How often a failed first registration (the agent down at start-up) is tried again. */
    private Duration retryInterval = Duration.ofSeconds(5);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getServiceName() {
      return serviceName;
    }

    public void setServiceName(String serviceName) {
      this.serviceName = serviceName;
    }

    public String getInstanceId() {
      return instanceId;
    }

    public void setInstanceId(String instanceId) {
      this.instanceId = instanceId;
    }

    public String getAddress() {
      return address;
    }

    public void setAddress(String address) {
      this.address = address;
    }

    public Integer getPort() {
      return port;
    }

    public void setPort(Integer port) {
      this.port = port;
    }

    public List<String> getTags() {
      return tags;
    }

    public void setTags(List<String> tags) {
      this.tags = tags;
    }

    public Map<String, String> getMeta() {
      return meta;
    }

    public void setMeta(Map<String, String> meta) {
      this.meta = meta;
    }

    public Check getCheck() {
      return check;
    }

    public Duration getRetryInterval() {
      return retryInterval;
    }

    public void setRetryInterval(Duration retryInterval) {
      this.retryInterval = retryInterval;
    }
  }

  /** The registered instance's health check. */
  public static class Check {
    /** TTL (kept passing by the starter's heartbeat), HTTP (Consul calls the actuator health endpoint), or none. */
    private CheckType type = CheckType.TTL;

    /** The TTL of a TTL check; the heartbeat passes it every third of it. */
    private Duration ttl = Duration.ofSeconds(10);

    /** How often Consul calls an HTTP check. */
    private Duration interval = Duration.ofSeconds(10);

    /** The time-out of one HTTP check call. */
    private Duration timeout = Duration.ofSeconds(5);

    /**
     * The path of an HTTP check. Default: the actuator health endpoint
     * ({@code management.endpoints.web.base-path} + {@code /health}).
     */
    private String path;

    /** After how long critical Consul removes the instance (at least 1m in Consul). Default: never. */
    private Duration deregisterCriticalServiceAfter;

    public CheckType getType() {
      return type;
    }

    public void setType(CheckType type) {
      this.type = type;
    }

    public Duration getTtl() {
      return ttl;
    }

    public void setTtl(Duration ttl) {
      this.ttl = ttl;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }

    public Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public Duration getDeregisterCriticalServiceAfter() {
      return deregisterCriticalServiceAfter;
    }

    public void setDeregisterCriticalServiceAfter(Duration deregisterCriticalServiceAfter) {
      this.deregisterCriticalServiceAfter = deregisterCriticalServiceAfter;
    }
  }

  /** The kind of health check. */
  public enum CheckType {
    /** A TTL check passed by the starter's heartbeat while the application runs. */
    TTL,
    /** An HTTP check: Consul calls the application's actuator health endpoint. */
    HTTP,
    /** No check: the instance is passing while registered. */
    NONE
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public List<String> getAgents() {
    return agents;
  }

  public void setAgents(List<String> agents) {
    this.agents = agents;
  }

  public String getToken() {
    return token;
  }

  public void setToken(String token) {
    this.token = token;
  }

  public String getTokenFile() {
    return tokenFile;
  }

  public void setTokenFile(String tokenFile) {
    this.tokenFile = tokenFile;
  }

  public String getDatacenter() {
    return datacenter;
  }

  public void setDatacenter(String datacenter) {
    this.datacenter = datacenter;
  }

  public HealthMode getHealth() {
    return health;
  }

  public void setHealth(HealthMode health) {
    this.health = health;
  }

  public Duration getMaxStaleness() {
    return maxStaleness;
  }

  public void setMaxStaleness(Duration maxStaleness) {
    this.maxStaleness = maxStaleness;
  }

  public Backend getBackend() {
    return backend;
  }

  public void setBackend(Backend backend) {
    this.backend = backend;
  }

  public Dns getDns() {
    return dns;
  }

  public Selector getSelector() {
    return selector;
  }

  public Registration getRegistration() {
    return registration;
  }

  @Override
  public String toString() {
    // Never the token: this object may be printed by actuator's configprops or a debugger.
    return "DiscoveryConsulProperties{enabled=" + enabled + ", agents=" + agents + ", token="
        + (token == null ? "unset" : "set") + ", tokenFile=" + tokenFile + ", datacenter=" + datacenter
        + ", health=" + health + ", backend=" + backend + "}";
  }
}
