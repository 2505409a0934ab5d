package dev.discovery.grpc;

import dev.discovery.ServiceDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.http.ConsulHttpBuilder;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Resolves {@code consul:} targets for gRPC-java channels from Consul's health API, so that
 * {@code Grpc.newChannelBuilder("consul:///echo", creds)} spreads calls over the healthy instances of {@code echo}
 * and follows every change at once. Registered through {@code META-INF/services}: nothing to call.
 *
 * <p>Targets: {@code consul:///SERVICE} (the agent from {@code CONSUL_HTTP_ADDR} and the other {@code CONSUL_*}
 * variables, as {@link ConsulDiscovery#http()} reads them) or {@code consul://HOST:PORT/SERVICE} (that agent, with
 * the token and TLS settings still from the environment), with optional {@code ?tag=T} (repeatable, all must
 * match), {@code dc=DC}, {@code health=warning} (warning instances too) and {@code lb=POLICY} ({@code lb=channel}
 * leaves the channel's own default policy and service config in charge). Without {@code lb}, the resolver's service
 * config selects {@code round_robin}.
 *
 * <p>The provider builds one discovery per agent, shared by all its channels and closed with the last of them.
 * Applications that build their own {@link ServiceDiscovery} (a token from a vault, TLS, the DNS backend) use
 * {@link #builder()} and register the result:
 *
 * <pre>{@code
 * NameResolverRegistry.getDefaultRegistry().register(
 *     ConsulNameResolverProvider.builder().discovery(myDiscovery).priority(6).build());
 * }</pre>
 */
public final class ConsulNameResolverProvider extends NameResolverProvider {
  /** The scheme the provider registered through {@code META-INF/services} answers to. */
  public static final String SCHEME = "consul";
  /**
   * What the provider's own discoveries keep a query that was only looked up (never subscribed to) watched for. A
   * channel's query is forgotten as soon as its last channel's resolver unsubscribes (forgetOnLastUnsubscribe).
   */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
  private static final Map<String, ?> ROUND_ROBIN = lbConfig("round_robin");
  private static final String POLICY_HINT = "built in: round_robin, pick_first; others need their gRPC module";

  private final String scheme;
  private final int priority;
  private final ServiceDiscovery discovery;
  private final ConsulEnvironment environment;
  private final Consumer<ConsulHttpBuilder> configure;
  private final Map<String, ?> serviceConfig;
  private final SharedDiscoveries shared = new SharedDiscoveries();

  /** The provider {@code META-INF/services} loads: scheme {@code consul}, the process environment, round robin. */
  public ConsulNameResolverProvider() {
    this(new Builder());
  }

  private ConsulNameResolverProvider(Builder b) {
    this.scheme = b.scheme;
    this.priority = b.priority;
    this.discovery = b.discovery;
    this.environment = b.environment;
    this.configure = b.configure;
    this.serviceConfig = b.serviceConfig;
  }

  /** A provider to configure and register yourself (see the class documentation). */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return priority;
  }

  @Override
  public String getDefaultScheme() {
    return scheme;
  }

  /**
   * A resolver for {@code targetUri}, or {@code null} for another scheme.
   *
   * @throws IllegalArgumentException for a malformed target, naming it and the expected form: the channel builder's
   *     {@code build()} fails with it
   */
  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!scheme.equalsIgnoreCase(targetUri.getScheme())) {
      return null;
    }
    boolean https = discovery == null && environment.ssl();
    ConsulTarget target = ConsulTarget.parse(targetUri, scheme, discovery == null, https);
    Map<String, ?> config = serviceConfigFor(target);
    SharedDiscoveries.Lease lease = discovery != null
        ? SharedDiscoveries.borrowed(discovery)
        : shared.acquire(target.agent() == null ? "" : target.agent().toString(), () -> build(target.agent()));
    try {
      return new ConsulNameResolver(target, lease, args, config);
    } catch (RuntimeException e) {
      lease.release(); // no resolver will ever release it
      throw e;
    }
  }

  private Map<String, ?> serviceConfigFor(ConsulTarget target) {
    String policy = target.policy();
    if (policy == null) {
      return serviceConfig;
    }
    if (policy.equals(ConsulTarget.CHANNEL_POLICY)) {
      return null;
    }
    if (!registered(policy)) {
      throw ConsulTarget.invalid(target.display(), scheme, "no load-balancing policy '" + policy
          + "' is registered with gRPC (" + POLICY_HINT + ")");
    }
    return lbConfig(policy);
  }

  private static boolean registered(String policy) {
    return LoadBalancerRegistry.getDefaultRegistry().getProvider(policy) != null;
  }

  /** How many queries the provider's own discovery for {@code agent} watches now (tests); {@code null}: none open. */
  Long watchedQueries(URI agent) {
    ServiceDiscovery d = shared.peek(agent == null ? "" : agent.toString());
    return d instanceof dev.discovery.cache.CachingDiscovery
        ? ((dev.discovery.cache.CachingDiscovery) d).watchedQueries() : null;
  }

  private ServiceDiscovery build(URI agent) {
    ConsulHttpBuilder http = ConsulDiscovery.http().environment(environment)
        .cache(cache -> cache.idleTimeout(IDLE_TIMEOUT).forgetOnLastUnsubscribe(true));
    if (agent != null) {
      http.agents(agent);
    }
    configure.accept(http);
    return http.build();
  }

  /** How many discoveries of its own the provider has open now (for tests: none once every channel closed). */
  int openDiscoveries() {
    return shared.open();
  }

  private static Map<String, ?> lbConfig(String policy) {
    return Map.of("loadBalancingConfig", List.of(Map.of(policy, Map.of())));
  }

  @Override
  public String toString() {
    return "ConsulNameResolverProvider{scheme=" + scheme + ", priority=" + priority
        + (discovery != null ? ", application's discovery" : "") + "}";
  }

  /** Configures a {@link ConsulNameResolverProvider}. */
  public static final class Builder {
    private String scheme = SCHEME;
    private int priority = 5;
    private ServiceDiscovery discovery;
    private ConsulEnvironment environment = ConsulEnvironment.system();
    private Consumer<ConsulHttpBuilder> configure = http -> {};
    private Map<String, ?> serviceConfig = ROUND_ROBIN;

    private Builder() {}

    /** The scheme to answer to. Default {@code consul}; another one lets both providers live side by side. */
    public Builder scheme(String scheme) {
      if (scheme == null || !scheme.matches("[a-zA-Z][a-zA-Z0-9+.-]*")) {
        throw new IllegalArgumentException("scheme '" + scheme + "' is not a URI scheme (letters, digits, + . -)");
      }
      this.scheme = scheme.toLowerCase(java.util.Locale.ROOT);
      return this;
    }

    /** gRPC's provider priority, 0..10 (the highest wins a scheme). Default 5, like the built-in ones; use 6 to win. */
    public Builder priority(int priority) {
      if (priority < 0 || priority > 10) {
        throw new IllegalArgumentException("priority must be within 0..10, was " + priority);
      }
      this.priority = priority;
      return this;
    }

    /**
     * Resolve through the application's own discovery (any backend) instead of building one per agent. Targets then
     * name no agent ({@code consul:///SERVICE}). The application owns it: closing a channel ends its subscription,
     * and the query stops being watched after the discovery's idle time-out (15 minutes by default) or when the
     * application closes it, unless the discovery was built with
     * {@link dev.discovery.cache.CachingDiscovery.Builder#forgetOnLastUnsubscribe forgetOnLastUnsubscribe(true)},
     * as the provider's own ones are: then with the last channel's resolver.
     */
    public Builder discovery(ServiceDiscovery discovery) {
      this.discovery = Objects.requireNonNull(discovery, "discovery");
      return this;
    }

    /** Where the provider's own discoveries take the {@code CONSUL_*} defaults from. Default: the process environment. */
    public Builder environment(ConsulEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * Adjusts every discovery the provider builds (one per agent) after its defaults, e.g.
     * {@code http -> http.waitTime(Duration.ofMinutes(1))}.
     */
    public Builder configureHttp(Consumer<ConsulHttpBuilder> configure) {
      this.configure = Objects.requireNonNull(configure, "configure");
      return this;
    }

    /**
     * The policy the resolver's service config selects when a target has no {@code lb}. Default {@code round_robin}.
     *
     * @throws IllegalArgumentException if no policy of that name is registered with gRPC's
     *     {@code LoadBalancerRegistry} now (checked as a target's {@code lb} is)
     */
    public Builder loadBalancingPolicy(String policy) {
      if (policy == null || policy.isBlank()) {
        throw new IllegalArgumentException("loadBalancingPolicy must be a policy name such as round_robin");
      }
      if (!registered(policy)) {
        throw new IllegalArgumentException("loadBalancingPolicy '" + policy + "' is not registered with gRPC's "
            + "LoadBalancerRegistry (" + POLICY_HINT + ", e.g. grpc-xds for weighted_round_robin); name a "
            + "registered policy or add its module");
      }
      this.serviceConfig = lbConfig(policy);
      return this;
    }

    /**
     * The whole service config the resolver hands the channel, in gRPC's JSON shape as maps and lists (numbers as
     * {@code Double}), e.g. {@code outlier_detection_experimental} around {@code round_robin}.
     */
    public Builder serviceConfig(Map<String, ?> serviceConfig) {
      this.serviceConfig = Map.copyOf(Objects.requireNonNull(serviceConfig, "serviceConfig"));
      return this;
    }

    /**
     * The resolver hands the channel no service config, so the channel's {@code defaultServiceConfig} or
     * {@code defaultLoadBalancingPolicy} (else gRPC's {@code pick_first}) applies.
     */
    public Builder channelServiceConfig() {
      this.serviceConfig = null;
      return this;
    }

    /** The provider; register it with {@code NameResolverRegistry.getDefaultRegistry().register(..)}. */
    public ConsulNameResolverProvider build() {
      return new ConsulNameResolverProvider(this);
    }
  }
}
