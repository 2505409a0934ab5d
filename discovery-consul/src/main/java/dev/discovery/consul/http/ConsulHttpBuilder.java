package dev.discovery.consul.http;

import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ConsulTls;
import dev.discovery.consul.internal.AgentAddress;
import dev.discovery.consul.internal.AgentTransport;
import dev.discovery.consul.internal.Credentials;
import dev.discovery.internal.Checks;
import dev.discovery.spi.DiscoveryBackend;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;

/**
 * Configures discovery over Consul's HTTP health API. Every setting has a default; with none set, the
 * discovery talks to the agent named by {@code CONSUL_HTTP_ADDR} (else {@code http://127.0.0.1:8500}) with
 * the token from {@code CONSUL_HTTP_TOKEN_FILE} / {@code CONSUL_HTTP_TOKEN}, if any.
 *
 * <p>Obtain it from {@link dev.discovery.consul.ConsulDiscovery#http()}. Not thread-safe; build once.
 */
public final class ConsulHttpBuilder {
  /** Consul's own cap on a blocking query's wait. */
  static final Duration MAX_WAIT = Duration.ofMinutes(10);

  final List<URI> agents = new ArrayList<>();
  String token;
  Path tokenFile;
  boolean tokenSet;
  String datacenter;
  Duration waitTime = Duration.ofMinutes(5);
  boolean stale;
  boolean cached;
  String filter;
  final Map<String, String> nodeMeta = new LinkedHashMap<>();
  String near;
  String taggedAddress;
  ConsulTls tls;
  ConsulEnvironment environment = ConsulEnvironment.system();
  String user;
  String password;
  long maxBodyBytes = AgentTransport.DEFAULT_MAX_BODY_BYTES;
  Duration minRequestInterval = Duration.ofMillis(250);
  Duration minBackoff = Duration.ofSeconds(1);
  Duration maxBackoff = Duration.ofSeconds(30);
  Duration connectTimeout = Duration.ofSeconds(5);
  Duration requestTimeout = Duration.ofSeconds(15);
  OkHttpClient httpClient;
  WatchBudget watchBudget;
  int budgetConnections = WatchBudget.DEFAULT_CONNECTIONS;
  Duration rotationInterval = Duration.ofSeconds(1);
  boolean changeFeed = true;
  private Consumer<CachingDiscovery.Builder> cacheSettings = cache -> { };

  /**
   * Kept public for code written against it; new code calls the factory.
   *
   * @deprecated use {@link dev.discovery.consul.ConsulDiscovery#http()}, the one entry point, which is also where
   *     the defaults are documented. Not to be removed, only discouraged.
   */
  @Deprecated(forRemoval = false)
  public ConsulHttpBuilder() {}

  /**
   * The agents to ask, in order of preference: requests go to the first until it cannot be reached, then
   * move on to the next. Default: {@code CONSUL_HTTP_ADDR}, else {@code http://127.0.0.1:8500}.
   */
  public ConsulHttpBuilder agents(URI... agents) {
    return agents(List.of(agents));
  }

  /** The agents to ask, in order of preference (see {@link #agents(URI...)}). */
  public ConsulHttpBuilder agents(List<URI> agents) {
    if (agents.isEmpty()) {
      throw new IllegalArgumentException("agents must name at least one agent address");
    }
    this.agents.clear();
    for (URI agent : agents) {
      this.agents.add(AgentAddress.check(agent));
    }
    return this;
  }

  /** The ACL token, sent in the {@code X-Consul-Token} header only. Replaces any token file. */
  public ConsulHttpBuilder token(String token) {
    this.token = Credentials.checkToken(token);
    this.tokenFile = null;
    this.tokenSet = true;
    return this;
  }

  /** A file holding the ACL token (read once, at build time). Replaces any token. */
  public ConsulHttpBuilder tokenFile(Path tokenFile) {
    this.tokenFile = Objects.requireNonNull(tokenFile, "tokenFile");
    this.token = null;
    this.tokenSet = true;
    return this;
  }

  /**
   * HTTP basic credentials sent with every request ({@code Authorization: Basic ...}), for agents behind a proxy
   * that asks for them (Consul itself does not). Sent in the clear unless the agents are {@code https}; the ACL
   * token, if any, still travels in {@code X-Consul-Token}. Default: none.
   *
   * @param user not empty, without {@code ':'} or control characters (RFC 7617)
   * @param password possibly empty
   */
  public ConsulHttpBuilder basicAuth(String user, String password) {
    Credentials.checkBasicAuth(user, password);
    this.user = user;
    this.password = password;
    return this;
  }

  /** The datacenter asked when a query names none. Default: the agent's own. */
  public ConsulHttpBuilder datacenter(String datacenter) {
    this.datacenter = HttpSupport.checkWord(datacenter, "datacenter");
    return this;
  }

  /**
   * How long each blocking query may wait for a change ({@code wait}); Consul adds up to 1/16 of jitter and
   * caps it at 10 minutes. Default 5 minutes.
   */
  public ConsulHttpBuilder waitTime(Duration waitTime) {
    if (waitTime == null || waitTime.compareTo(Duration.ofSeconds(1)) < 0 || waitTime.compareTo(MAX_WAIT) > 0) {
      throw new IllegalArgumentException("waitTime must be between 1 s and 10 min, was " + waitTime);
    }
    this.waitTime = waitTime;
    return this;
  }

  /** Allow any server to answer ({@code ?stale}): scales reads, may lag the leader slightly. Default off. */
  public ConsulHttpBuilder stale(boolean stale) {
    this.stale = stale;
    return this;
  }

  /** Ask the agent's cache ({@code ?cached}; needs {@code http_use_cache} on the agent). Default off. */
  public ConsulHttpBuilder cached(boolean cached) {
    this.cached = cached;
    return this;
  }

  /** A Consul filter expression applied to every lookup ({@code ?filter}), e.g. {@code Service.Meta.v == "2"}. */
  public ConsulHttpBuilder filter(String filter) {
    if (filter == null || filter.isBlank()) {
      throw new IllegalArgumentException("filter must not be blank");
    }
    this.filter = filter;
    return this;
  }

  /** Only instances on nodes whose metadata has {@code key=value} ({@code ?node-meta}); repeatable (AND). */
  public ConsulHttpBuilder nodeMeta(String key, String value) {
    HttpSupport.checkWord(key, "nodeMeta key");
    if (key.indexOf(':') >= 0) {
      throw new IllegalArgumentException("nodeMeta key '" + key + "' must not contain ':'");
    }
    nodeMeta.put(key, Objects.requireNonNull(value, "nodeMeta value"));
    return this;
  }

  /** Sort instances by round-trip time from this node ({@code ?near}); {@code _agent} means the agent's node. */
  public ConsulHttpBuilder near(String node) {
    this.near = HttpSupport.checkWord(node, "near");
    return this;
  }

  /**
   * Connect to a tagged address instead ({@code lan}, {@code wan}, {@code lan_ipv4}...): the service's
   * tagged address if present, else the node's, else the normal address.
   */
  public ConsulHttpBuilder useTaggedAddress(String name) {
    this.taggedAddress = HttpSupport.checkWord(name, "tagged address").toLowerCase(Locale.ROOT);
    return this;
  }

  /**
   * HTTPS settings: the CA to trust and an optional client certificate. Default: from {@code CONSUL_CACERT},
   * {@code CONSUL_CLIENT_CERT}, {@code CONSUL_CLIENT_KEY}, {@code CONSUL_TLS_SERVER_NAME} and
   * {@code CONSUL_HTTP_SSL_VERIFY} when any is set ({@link ConsulEnvironment#tls()}), else the JVM's trust store.
   */
  public ConsulHttpBuilder tls(ConsulTls tls) {
    this.tls = Objects.requireNonNull(tls, "tls");
    return this;
  }

  /** Where the {@code CONSUL_HTTP_*} defaults come from. Default: the process environment. */
  public ConsulHttpBuilder environment(ConsulEnvironment environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
    return this;
  }

  /** The largest response body accepted; bigger ones are refused as invalid. Default 64 MiB. */
  public ConsulHttpBuilder maxBodySize(long bytes) {
    this.maxBodyBytes = AgentTransport.checkMaxBody(bytes);
    return this;
  }

  /**
   * The rate limit of one watch, so that a quickly changing service cannot make the loop hammer the agent: a
   * token bucket with a burst of two, as Consul's blocking-query documentation advises. After a quiet spell two
   * changes in a row are fetched at once; a service that keeps changing is asked at most once per interval.
   * Default 250 ms; zero turns the limit off.
   */
  public ConsulHttpBuilder minRequestInterval(Duration interval) {
    if (interval == null || interval.isNegative()) {
      throw new IllegalArgumentException("minRequestInterval must not be negative, was " + interval);
    }
    this.minRequestInterval = interval;
    return this;
  }

  /** The retry delays after failures: from {@code min}, doubling with jitter, up to {@code max}. Default 1 s..30 s. */
  public ConsulHttpBuilder errorBackoff(Duration min, Duration max) {
    if (min == null || max == null || min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "errorBackoff needs 0 < min <= max, was min=" + min + " max=" + max);
    }
    this.minBackoff = min;
    this.maxBackoff = max;
    return this;
  }

  /** Time-out for connecting to an agent. Default 5 s. */
  public ConsulHttpBuilder connectTimeout(Duration timeout) {
    this.connectTimeout = Checks.requirePositive(timeout, "connectTimeout");
    return this;
  }

  /** Time-out of a non-blocking request (a first load). Blocking queries get {@code wait + wait/16 + this}. Default 15 s. */
  public ConsulHttpBuilder requestTimeout(Duration timeout) {
    this.requestTimeout = Checks.requirePositive(timeout, "requestTimeout");
    return this;
  }

  /**
   * An OkHttp client to derive from: its connection pool, interceptors and TLS settings are shared, but the
   * discovery runs its calls on a dispatcher of its own (with limits far above OkHttp's 5 per host, so blocking
   * queries never queue behind each other, and never take slots from the application's own calls). Default: a new
   * client owned by the discovery.
   */
  public ConsulHttpBuilder httpClient(OkHttpClient client) {
    this.httpClient = Objects.requireNonNull(client, "client");
    return this;
  }

  /**
   * How many connections this discovery's watches may hold at the agent (default
   * {@value WatchBudget#DEFAULT_CONNECTIONS}). A Consul agent accepts at most {@code limits.http_max_conns_per_client}
   * connections from one IP (200 by default), shared by every process of the host. Within the budget, queries keep
   * blocking queries parked at the agent (a change arrives within one round trip); the rest take turns on a few of
   * its connections with short reads, at most once per {@link #rotationInterval}. After an HTTP 429 the budget
   * halves and grows back by one connection every 30 s. See {@link WatchBudget}.
   */
  public ConsulHttpBuilder watchBudget(int connections) {
    if (connections < 1) {
      throw new IllegalArgumentException("watchBudget must be at least 1 connection, was " + connections);
    }
    this.budgetConnections = connections;
    this.watchBudget = null;
    return this;
  }

  /**
   * One budget shared with other discoveries of this JVM that talk to the same agent, so that together they stay
   * within its connection limit. Its own rotation interval applies; {@link #rotationInterval} does not.
   */
  public ConsulHttpBuilder watchBudget(WatchBudget shared) {
    this.watchBudget = Objects.requireNonNull(shared, "shared");
    return this;
  }

  /**
   * How often, at most, a query without a parked slot in the {@link #watchBudget(int) budget} is read: it sees a
   * change within about this time. Default 1 s.
   */
  public ConsulHttpBuilder rotationInterval(Duration interval) {
    if (interval == null || interval.isNegative()) {
      throw new IllegalArgumentException("rotationInterval must not be negative, was " + interval);
    }
    this.rotationInterval = interval;
    return this;
  }

  /**
   * Whether queries outside the {@link #watchBudget(int) budget}'s parked slots are kept fresh by a change feed
   * (default true): two parked blocking queries per datacenter, {@code /v1/health/state/any} and
   * {@code /v1/catalog/services}, say which services changed, and only those are read, plus a slow safety-net
   * read of each (see {@link WatchBudget#of(int, Duration, Duration, Duration)}). Without it they are read in
   * turn once per {@link #rotationInterval}. Turn it off where one datacenter's checks are so many, or change so
   * often, that an answer listing all of them on every change costs more than the rotation (the module README
   * gives the figures).
   */
  public ConsulHttpBuilder changeFeed(boolean enabled) {
    this.changeFeed = enabled;
    return this;
  }

  /**
   * Settings of the cache in front of the backend (maximum staleness, idle time-out, load time-out, an observer for
   * metrics such as {@code MicrometerObserver}), applied to the {@link CachingDiscovery.Builder} that
   * {@link #build()} makes. Each setting is documented once, there.
   *
   * <pre>{@code
   * ConsulDiscovery.http().agents(uri)
   *     .cache(cache -> cache.maxStaleness(Duration.ofMinutes(10)).observer(metrics))
   *     .build();
   * }</pre>
   */
  public ConsulHttpBuilder cache(Consumer<CachingDiscovery.Builder> settings) {
    this.cacheSettings = this.cacheSettings.andThen(Objects.requireNonNull(settings, "settings"));
    return this;
  }

  /**
   * Builds the discovery: a {@link CachingDiscovery} over a Consul HTTP backend. Closing it closes the
   * backend and every watch.
   *
   * @throws IllegalArgumentException if the environment or the TLS files are unusable
   */
  public CachingDiscovery build() {
    CachingDiscovery.Builder cache = CachingDiscovery.builder(backend());
    cacheSettings.accept(cache);
    return cache.build();
  }

  /**
   * The backend alone, without a cache: every {@code fetch} is a request to an agent. For callers composing their
   * own cache or measuring the backend itself; the caller closes it. {@link #cache} settings do not apply.
   *
   * @throws IllegalArgumentException if the environment or the TLS files are unusable
   */
  public DiscoveryBackend backend() {
    return buildBackend();
  }

  /** The backend alone, typed for this package's tests. */
  HttpBackend buildBackend() {
    return new HttpBackend(HttpOptions.from(this));
  }

  @Override
  public String toString() {
    return "ConsulHttpBuilder{agents=" + agents + "}";
  }
}
