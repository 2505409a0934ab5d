package dev.discovery.consul.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process stand-in for one Consul agent (with its server's catalog), for tests and demos: a subset of the
 * HTTP API with blocking queries and the DNS interface, following Consul's documented behaviour. It is never a
 * production registry: nothing is persisted, replicated or secured beyond a token check.
 *
 * <pre>{@code
 * try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
 *   URI http = agent.httpUri();                   // http://127.0.0.1:<port>
 *   InetSocketAddress dns = agent.dnsAddress();   // UDP and TCP
 * }
 * }</pre>
 */
public final class ConsulTestAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsulTestAgent.class);

  static {
    // Consul (Go's net/http) answers with TCP_NODELAY on. The JDK's HttpServer leaves Nagle's algorithm on unless
    // this property is set before its first server starts, and then each answer of a blocking query waits ~40 ms
    // for the client's delayed ACK: every change looked 40 ms late. A value the user set wins.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final AgentConfig config;
  private final AgentState state;
  private final Datacenters datacenters;
  private final Faults faults = new Faults();
  private final InetAddress bind;
  private int httpPort;
  private int dnsPort;
  private HttpServer http;
  private ExecutorService httpExecutor;
  private AtomicBoolean httpStopping;
  private DnsServer dns;
  private boolean running;
  /** {@code limits.http_max_conns_per_client}; 0: no limit, no gate. */
  private int maxConnsPerClient;
  private ConnectionGate gate;
  private final java.util.concurrent.atomic.AtomicLong rejectedConnections =
      new java.util.concurrent.atomic.AtomicLong();

  private ConsulTestAgent(AgentConfig config, int maxConnsPerClient) throws IOException {
    this.config = config;
    this.maxConnsPerClient = maxConnsPerClient;
    this.bind = InetAddress.getByName(config.bindAddress());
    this.state = new AgentState(config);
    this.datacenters = new Datacenters(state);
    this.httpPort = config.httpPort();
    this.dnsPort = config.dnsPort();
    try {
      startServers();
    } catch (IOException | RuntimeException e) {
      state.close();
      datacenters.close();
      throw e;
    }
  }

  /** A builder with Consul's defaults: loopback, ephemeral ports, datacenter dc1, domain consul. */
  public static Builder builder() {
    return new Builder();
  }

  private synchronized void startServers() throws IOException {
    AtomicInteger n = new AtomicInteger();
    String node = config.nodeName();
    httpExecutor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "consul-testkit-http-" + node + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    httpStopping = new AtomicBoolean();
    AtomicBoolean stopping = httpStopping;
    try {
      // On a restart the port is the previous one, which can be briefly unavailable: retried like DNS's.
      // With a connection limit the server listens on an internal ephemeral port behind the gate.
      int port = maxConnsPerClient > 0 ? 0 : httpPort;
      http = Rebind.retrying(port, () -> HttpServer.create(new InetSocketAddress(bind, port), 1024));
    } catch (IOException e) {
      httpExecutor.shutdownNow();
      throw new IOException("cannot bind Consul HTTP on " + config.bindAddress() + ":" + httpPort
          + " (is the port in use? use httpPort(0) for an ephemeral port)", e);
    }
    http.createContext("/", new HttpApi(datacenters, faults, stopping::get));
    http.setExecutor(httpExecutor);
    http.start();
    if (maxConnsPerClient > 0) {
      try {
        gate = ConnectionGate.start(bind, httpPort, http.getAddress(), maxConnsPerClient, rejectedConnections, node);
      } catch (IOException e) {
        stopHttp();
        throw new IOException("cannot bind Consul HTTP on " + config.bindAddress() + ":" + httpPort
            + " (is the port in use? use httpPort(0) for an ephemeral port)", e);
      }
      httpPort = gate.port();
    } else {
      httpPort = http.getAddress().getPort();
    }
    try {
      dns = DnsServer.start(new DnsResponder(datacenters, faults), bind, dnsPort, node);
    } catch (IOException e) {
      stopHttp();
      throw e;
    }
    dnsPort = dns.port();
    running = true;
    log.info("Consul test agent {} (dc {}) listening: HTTP http://{}:{}, DNS {}:{} (UDP+TCP), domain {}", node,
        config.datacenter(), config.bindAddress(), httpPort, config.bindAddress(), dnsPort, config.domain());
  }

  private void stopHttp() {
    if (gate != null) {
      gate.close();
      gate = null;
    }
    httpStopping.set(true);
    datacenters.wakeAll();
    http.stop(0);
    httpExecutor.shutdownNow();
  }

  private synchronized void stopServers() {
    if (!running) {
      return;
    }
    running = false;
    stopHttp();
    dns.close();
  }

  /** The HTTP API base, e.g. {@code http://127.0.0.1:8500}. */
  public URI httpUri() {
    String host = bind.getHostAddress().contains(":") ? "[" + bind.getHostAddress() + "]" : bind.getHostAddress();
    return URI.create("http://" + host + ":" + httpPort);
  }

  /** The HTTP port actually bound. */
  public int httpPort() {
    return httpPort;
  }

  /** The DNS server address (the same port serves UDP and TCP). */
  public InetSocketAddress dnsAddress() {
    return new InetSocketAddress(bind, dnsPort);
  }

  /** The DNS port actually bound. */
  public int dnsPort() {
    return dnsPort;
  }

  /** The agent's datacenter. */
  public String datacenter() {
    return config.datacenter();
  }

  /** The agent's node name. */
  public String nodeName() {
    return config.nodeName();
  }

  /** Restarts on the same ports and forgets every registration, like an agent restarted without its data dir. */
  public void restart() {
    restart(false);
  }

  /**
   * Stops both servers (in-flight requests, blocking queries included, are cut off without an answer) and starts
   * them again on the same ports; with {@code keepState} false every registration is lost. The index keeps rising.
   */
  public synchronized void restart(boolean keepState) {
    stopServers();
    if (!keepState) {
      state.resetState();
    }
    try {
      startServers();
    } catch (IOException e) {
      throw new UncheckedIOException("restart failed to bind the previous ports", e);
    }
  }

  /** Registers a service on this agent's node, with the body of {@code PUT /v1/agent/service/register}. */
  public void registerService(String serviceJson) {
    state.registerService(parseRegistration(serviceJson), false);
  }

  /**
   * Registers a service as the agent on another node would (the node gets a passing {@code serfHealth} check, as
   * every agent node has), so tests can model services on other hosts, node-name DNS targets or many instances.
   * {@code serviceJson} is a {@code PUT /v1/agent/service/register} body.
   */
  public void registerNodeService(String node, String nodeAddress, String serviceJson) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(nodeAddress, "nodeAddress");
    if (node.isEmpty() || nodeAddress.isEmpty()) {
      throw new IllegalArgumentException("node and nodeAddress must not be empty");
    }
    state.registerNodeService(node, nodeAddress, parseRegistration(serviceJson));
  }

  /** Removes a service instance (and its checks) from whichever node it is on. */
  public void deregisterService(String node, String serviceId) {
    try {
      state.deregisterService(node, serviceId);
    } catch (ApiException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /**
   * Adds another datacenter to the WAN this agent reaches (or returns it if already added): requests with
   * {@code ?dc=<name>} are then answered from its own catalog, blocking queries included, instead of HTTP 500
   * {@code No path to datacenter}; DNS answers {@code <service>.service.<name>.consul} from it; and prepared-query
   * failover can reach it. It starts with a server node of its own and no other service.
   */
  public TestDatacenter addDatacenter(String name) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("datacenter must be a non-empty DNS label without dots, got " + name);
    }
    return new TestDatacenter(datacenters.add(name.toLowerCase(Locale.ROOT)), datacenters);
  }

  /**
   * The datacenter called {@code name}: this agent's own or one {@linkplain #addDatacenter added}.
   *
   * @throws IllegalArgumentException if the agent has no path to it (add it first)
   */
  public TestDatacenter datacenter(String name) {
    AgentState dc = datacenters.find(Objects.requireNonNull(name, "name"));
    if (dc == null) {
      throw new IllegalArgumentException("no datacenter " + name + " (known: " + datacenters.names()
          + "); add it with addDatacenter(\"" + name + "\")");
    }
    return new TestDatacenter(dc, datacenters);
  }

  /**
   * Creates a prepared query in this agent's datacenter, with the body of {@code POST /v1/query} (for example
   * {@code {"Name":"web-ha","Service":{"Service":"web","Failover":{"Datacenters":["dc2"]}}}}); returns its ID.
   */
  public String createPreparedQuery(String queryJson) {
    try {
      PreparedQuery q = PreparedQuery.parse(Payloads.parse(queryJson), PreparedQueries.newId(), state.store().index());
      return state.queries().create(q).id();
    } catch (ApiException e) {
      throw new IllegalArgumentException("invalid prepared query: " + e.getMessage());
    }
  }

  static ServiceRegistration parseRegistration(String json) {
    try {
      return Payloads.serviceRegistration(Payloads.parse(json));
    } catch (ApiException e) {
      throw new IllegalArgumentException("invalid service registration: " + e.getMessage());
    }
  }

  /** Sets a check's status ({@code passing}, {@code warning} or {@code critical}) and output, as its runner would. */
  public void setCheckStatus(String checkId, String status, String output) {
    state.setCheckStatus(checkId, status, output);
  }

  /** Sets every check of a service instance to {@code status}; an instance without checks gets one. */
  public void setServiceHealth(String serviceId, String status) {
    state.setServiceHealth(serviceId, status);
  }

  /**
   * Places {@code node} at {@code rtt} from the origin of the network coordinates (Consul's own test model,
   * {@code lib.GenerateCoordinate}), so that {@code ?near=} on the health endpoint sorts instances by
   * {@code |rtt(node) - rtt(source)|}, stable and ascending. Every node starts at the origin: until nodes are
   * placed, {@code near} keeps the catalog's order. An unknown source node leaves the order as it is (Consul:
   * no coordinate, no sort).
   */
  public void setNodeCoordinate(String node, Duration rtt) {
    Objects.requireNonNull(node, "node");
    if (rtt == null || rtt.isNegative()) {
      throw new IllegalArgumentException("rtt must be zero or positive");
    }
    state.coordinates().set(node, rtt);
  }

  /** Simulates a snapshot restore: the index moves back to {@code lowerIndex} (at least 1). */
  public void resetIndex(long lowerIndex) {
    state.store().resetIndex(lowerIndex);
  }

  /** Delays every HTTP response by {@code delay} (zero to stop); blocking queries wait this long extra. */
  public void delayResponses(Duration delay) {
    faults.delay(Objects.requireNonNull(delay, "delay"));
  }

  /** Answers the next {@code count} HTTP requests with {@code status} and the plain-text {@code body}. */
  public void failNext(int count, int status, String body) {
    faults.failNext(count, status, body);
  }

  /** Answers the next {@code count} DNS queries with {@code rcode} (e.g. 2 SERVFAIL) and no records. */
  public void failNextDns(int count, int rcode) {
    faults.failNextDns(count, rcode);
  }

  /**
   * While on, HTTP connections are closed without an answer (blocking queries in progress included) and DNS
   * queries are not answered at all.
   */
  public void dropConnections(boolean on) {
    faults.drop(on);
    datacenters.wakeAll();
  }

  /** How many HTTP requests arrived for {@code path} (no query string), e.g. {@code /v1/health/service/web}. */
  public long requestCount(String path) {
    return faults.requestCount(path);
  }

  /**
   * How many HTTP connections were turned away with 429 by {@code limits.http_max_conns_per_client} since the
   * agent started (restarts included); always 0 without a limit.
   */
  public long rejectedConnections() {
    return rejectedConnections.get();
  }

  /**
   * Changes {@code limits.http_max_conns_per_client} of an agent started with one (as a config reload would); the
   * connections already open stay open.
   *
   * @throws IllegalStateException if the agent was started without a limit (there is no gate to change)
   */
  public synchronized void maxConnsPerClient(int limit) {
    if (maxConnsPerClient == 0 || gate == null) {
      throw new IllegalStateException("start the agent with Builder.maxConnsPerClient(n) to change its limit");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("maxConnsPerClient must be >= 1 on a running agent, got " + limit);
    }
    maxConnsPerClient = limit;
    gate.limit(limit);
  }

  /** HTTP connections open now through the connection limit's gate; -1 when there is no limit. */
  public synchronized int openConnections() {
    return gate == null ? -1 : gate.openConnections();
  }

  /** The current Raft-like index. */
  public long currentIndex() {
    return state.store().index();
  }

  /** Stops the servers and timers; same as {@link #close()}. */
  public void stop() {
    close();
  }

  @Override
  public synchronized void close() {
    stopServers();
    state.close();
    datacenters.close();
  }

  @Override
  public String toString() {
    return "ConsulTestAgent[" + config.nodeName() + ", http=" + httpUri() + ", dns=" + config.bindAddress() + ":"
        + dnsPort + "]";
  }

  /** Configures a {@link ConsulTestAgent}; every setting has Consul's default. */
  public static final class Builder {
    private String bindAddress = "127.0.0.1";
    private int httpPort;
    private int dnsPort;
    private String datacenter = "dc1";
    private String nodeName;
    private String nodeAddress;
    private String domain = "consul.";
    private String altDomain;
    private final Set<String> aclTokens = new LinkedHashSet<>();
    private boolean onlyPassing;
    private boolean enableTruncate;
    private int udpAnswerLimit = 3;
    private long serviceTtlSeconds;
    private boolean enableScriptChecks;
    private Duration reapInterval = Duration.ofSeconds(30);
    private boolean runChecks = true;
    private Duration deregisterCriticalMinimum = Duration.ofMinutes(1);
    private Duration checkUpdateInterval = Duration.ofMinutes(5);
    private int maxConnsPerClient;

    private Builder() {}

    /**
     * {@code limits.http_max_conns_per_client}: at most this many concurrent HTTP connections from one client IP,
     * idle keep-alive ones included. A connection beyond it is answered {@code 429 Too Many Requests} with
     * Consul's text ({@code Your IP is issuing too many concurrent connections, please rate limit your calls})
     * before its request is read, and closed. Consul's default is 200; the testkit's is 0 (no limit), because
     * enforcing it relays every connection through two threads of the testkit. Pass 200 to imitate a default agent.
     */
    public Builder maxConnsPerClient(int limit) {
      if (limit < 0) {
        throw new IllegalArgumentException("maxConnsPerClient must be >= 0 (0 = unlimited), got " + limit);
      }
      this.maxConnsPerClient = limit;
      return this;
    }

    /** The loopback address to bind HTTP and DNS to (127.0.0.1 by default; 127.0.0.2 etc. for more hosts). */
    public Builder bindAddress(String address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The HTTP port; 0 (the default) picks a free one. */
    public Builder httpPort(int port) {
      this.httpPort = checkPort(port, "httpPort");
      return this;
    }

    /** The DNS port for UDP and TCP; 0 (the default) picks one free for both. */
    public Builder dnsPort(int port) {
      this.dnsPort = checkPort(port, "dnsPort");
      return this;
    }

    private static int checkPort(int port, String what) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(what + " must be 0..65535 (0 = ephemeral), got " + port);
      }
      return port;
    }

    /** The datacenter name ({@code dc1} by default). */
    public Builder datacenter(String datacenter) {
      this.datacenter = requireLabel(datacenter, "datacenter");
      return this;
    }

    /** The agent's node name (default {@code node-<bind address with dashes>}, e.g. {@code node-127-0-0-1}). */
    public Builder nodeName(String nodeName) {
      this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
      return this;
    }

    /** The node's advertised address (default: the bind address). */
    public Builder nodeAddress(String nodeAddress) {
      this.nodeAddress = Objects.requireNonNull(nodeAddress, "nodeAddress");
      return this;
    }

    /** The DNS domain ({@code consul.} by default). */
    public Builder domain(String domain) {
      this.domain = fqdn(domain, "domain");
      return this;
    }

    /** A second DNS domain answered like the first; answers use the domain the query used. */
    public Builder altDomain(String altDomain) {
      this.altDomain = fqdn(altDomain, "altDomain");
      return this;
    }

    /** Turns ACLs on (default policy deny) and accepts this token; may be called for several tokens. */
    public Builder aclToken(String token) {
      if (token == null || token.isEmpty()) {
        throw new IllegalArgumentException("aclToken must not be empty");
      }
      aclTokens.add(token);
      return this;
    }

    /** DNS {@code only_passing}: leave out warning instances too (default false: only critical ones). */
    public Builder onlyPassing(boolean onlyPassing) {
      this.onlyPassing = onlyPassing;
      return this;
    }

    /** DNS {@code enable_truncate}: set the TC bit when a UDP answer was trimmed (default false: silently). */
    public Builder enableTruncate(boolean enableTruncate) {
      this.enableTruncate = enableTruncate;
      return this;
    }

    /** DNS {@code udp_answer_limit} for non-EDNS UDP answers (default 3, Consul caps it at 8). */
    public Builder udpAnswerLimit(int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("udpAnswerLimit must be >= 1, got " + limit);
      }
      this.udpAnswerLimit = limit;
      return this;
    }

    /**
     * DNS {@code service_ttl} for every service ({@code "*"} in Consul's map): the TTL of the records of a service
     * lookup (SRV, A/AAAA, node-meta TXT). Default 0, as Consul, which tells caching resolvers not to cache.
     */
    public Builder serviceTtl(Duration ttl) {
      if (ttl.isNegative()) {
        throw new IllegalArgumentException("serviceTtl must not be negative, got " + ttl);
      }
      this.serviceTtlSeconds = ttl.toSeconds();
      return this;
    }

    /** {@code enable_script_checks}: accept (never run) script checks; Consul refuses them by default. */
    public Builder enableScriptChecks(boolean enable) {
      this.enableScriptChecks = enable;
      return this;
    }

    /** How often critical services are reaped ({@code check_reap_interval}, 30s in Consul). */
    public Builder reapInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("reapInterval must be positive, got " + interval);
      }
      this.reapInterval = interval;
      return this;
    }

    /** The floor for DeregisterCriticalServiceAfter ({@code check_deregister_interval_min}, 1m in Consul). */
    public Builder deregisterCriticalMinimum(Duration minimum) {
      if (minimum.isNegative()) {
        throw new IllegalArgumentException("deregisterCriticalMinimum must not be negative, got " + minimum);
      }
      this.deregisterCriticalMinimum = minimum;
      return this;
    }

    /** How long an output-only check change waits before reaching the catalog ({@code check_update_interval}). */
    public Builder checkUpdateInterval(Duration interval) {
      if (interval.isNegative()) {
        throw new IllegalArgumentException("checkUpdateInterval must not be negative, got " + interval);
      }
      this.checkUpdateInterval = interval;
      return this;
    }

    /**
     * Whether HTTP and TCP checks aimed at loopback are run every {@code Interval} (the default, as Consul runs
     * them). Turn it off when a test counts the requests its own server receives and wants none from checks.
     */
    public Builder runChecks(boolean run) {
      this.runChecks = run;
      return this;
    }

    /** Binds the ports and starts serving. */
    public ConsulTestAgent start() {
      String address = nodeAddress != null ? nodeAddress : bindAddress;
      String node = nodeName != null ? nodeName : "node-" + bindAddress.replaceAll("[.:%]", "-");
      AgentConfig config = new AgentConfig(bindAddress, httpPort, dnsPort, datacenter, node, address, domain,
          altDomain, Set.copyOf(aclTokens), onlyPassing, enableTruncate, udpAnswerLimit, serviceTtlSeconds, enableScriptChecks,
          reapInterval, deregisterCriticalMinimum, checkUpdateInterval, runChecks);
      try {
        InetAddress.getByName(bindAddress);
        return new ConsulTestAgent(config, maxConnsPerClient);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("bindAddress " + bindAddress + " is not a valid address", e);
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }

    private static String requireLabel(String s, String what) {
      if (s == null || s.isEmpty() || s.contains(".")) {
        throw new IllegalArgumentException(what + " must be a non-empty DNS label without dots, got " + s);
      }
      return s.toLowerCase(Locale.ROOT);
    }

    private static String fqdn(String s, String what) {
      if (s == null || s.isEmpty() || s.equals(".")) {
        throw new IllegalArgumentException(what + " must be a DNS name such as consul., got " + s);
      }
      String d = s.toLowerCase(Locale.ROOT);
      return d.endsWith(".") ? d : d + ".";
    }
  }
}
