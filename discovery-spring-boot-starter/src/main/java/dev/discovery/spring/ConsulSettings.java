package dev.discovery.spring;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceQuery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.internal.AgentAddress;
import dev.discovery.consul.internal.Credentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The checked form of {@link DiscoveryConsulProperties}: agent URIs parsed, the token file found, the DNS
 * server resolved, the datacenter, DNS domain and refresh interval held to the library's own rules, the
 * selector's numbers in range. Every check fails with a {@link DiscoveryConfigurationException} that names the
 * property and the fix, so start-up stops before anything talks to Consul with a half-understood setting, and a
 * value the library would refuse is blamed on its own property rather than on {@code discovery.consul.agents}.
 *
 * <p>The token is kept, but {@link #toString()} and every message leave it out. The token and the content of
 * the token file are checked here with the library's rule (visible ASCII only), and agent values are shown
 * without user info.
 */
public final class ConsulSettings {
  private static final String P = DiscoveryConsulProperties.PREFIX + ".";

  private final List<URI> agents;
  private final String token;
  private final Path tokenFile;
  private final String datacenter;
  private final HealthFilter health;
  private final Duration maxStaleness;
  private final DiscoveryConsulProperties.Backend backend;
  private final InetSocketAddress dnsServer;
  private final String dnsDomain;
  private final Duration dnsRefreshInterval;

  private ConsulSettings(DiscoveryConsulProperties p) {
    this.agents = parseAgents(p.getAgents());
    if (p.getToken() != null && !p.getToken().isBlank() && p.getTokenFile() != null && !p.getTokenFile().isBlank()) {
      throw new DiscoveryConfigurationException(P + "token",
          "both " + P + "token and " + P + "token-file are set", "set only one of them", null);
    }
    this.token = token(p.getToken());
    this.tokenFile = tokenFile(p.getTokenFile());
    this.backend = p.getBackend();
    this.datacenter = datacenter(blankToNull(p.getDatacenter()), backend);
    this.health = p.getHealth() == DiscoveryConsulProperties.HealthMode.WARNING
        ? HealthFilter.PASSING_OR_WARNING : HealthFilter.PASSING;
    this.maxStaleness = DiscoveryConfigurationException.requirePositive(p.getMaxStaleness(), P + "max-staleness",
        "set it to how long a last good answer may be served, such as 10m");
    boolean dns = backend == DiscoveryConsulProperties.Backend.DNS;
    this.dnsServer = dns ? dnsServer(p.getDns().getServer()) : null;
    // Only the DNS backend reads these two, so only then can a bad value do harm.
    this.dnsDomain = dns ? dnsDomain(p.getDns().getDomain()) : p.getDns().getDomain();
    this.dnsRefreshInterval = dns ? DiscoveryConfigurationException.requirePositive(p.getDns().getRefreshInterval(),
        P + "dns.refresh-interval", "set it to how often DNS answers are asked again, such as 5s")
        : p.getDns().getRefreshInterval();
    checkSelector(p.getSelector());
  }

  /**
   * Checks {@code properties}.
   *
   * @throws DiscoveryConfigurationException naming the first property that is wrong
   */
  public static ConsulSettings of(DiscoveryConsulProperties properties) {
    return new ConsulSettings(properties);
  }

  /** The agents to ask, in order; empty for the {@code CONSUL_HTTP_ADDR} default. */
  public List<URI> agents() {
    return agents;
  }

  /** The configured token, or {@code null}. */
  String token() {
    return token;
  }

  /** The configured token file, or {@code null}. */
  Path tokenFile() {
    return tokenFile;
  }

  /** The datacenter, or {@code null} for the agent's own. */
  public String datacenter() {
    return datacenter;
  }

  /** The health filter of every query. */
  public HealthFilter health() {
    return health;
  }

  /** The maximum staleness of a served answer. */
  public Duration maxStaleness() {
    return maxStaleness;
  }

  /** The backend. */
  public DiscoveryConsulProperties.Backend backend() {
    return backend;
  }

  /** The DNS server, when the backend is DNS. */
  public InetSocketAddress dnsServer() {
    return dnsServer;
  }

  /** The DNS domain of the agent (for the DNS backend). */
  public String dnsDomain() {
    return dnsDomain;
  }

  /** How often the DNS backend asks again. */
  public Duration dnsRefreshInterval() {
    return dnsRefreshInterval;
  }

  /** The query every integration of the starter uses for {@code service}: this health filter, all tags. */
  public ServiceQuery query(String service) {
    ServiceQuery q = ServiceQuery.of(service);
    return health == HealthFilter.PASSING ? q : q.withHealth(health);
  }

  private static List<URI> parseAgents(List<String> values) {
    List<URI> out = new ArrayList<>();
    if (values == null) {
      return out;
    }
    for (int i = 0; i < values.size(); i++) {
      String property = P + "agents[" + i + "]";
      String raw = values.get(i) == null ? "" : values.get(i).strip();
      // Every message shows the value without user info: a user:password@ in it is a secret.
      String shown = AgentAddress.withoutSecrets(raw);
      String fix = "use http://host:port, https://host:port or host:port, such as http://127.0.0.1:8500";
      if (raw.isEmpty()) {
        throw new DiscoveryConfigurationException(property, "is empty", fix, null);
      }
      String lower = raw.toLowerCase(Locale.ROOT);
      String url = lower.startsWith("http://") || lower.startsWith("https://") ? raw : "http://" + raw;
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        // Not chained: the parser's message quotes the whole value.
        throw new DiscoveryConfigurationException(property, "'" + shown + "' is not a URI (" + e.getReason()
            + ")", fix, null);
      }
      if (lower.contains("://") && !(lower.startsWith("http://") || lower.startsWith("https://"))) {
        throw new DiscoveryConfigurationException(property, "'" + shown + "' has an unsupported scheme", fix, null);
      }
      if (uri.getHost() == null || uri.getPort() > 65535) {
        throw new DiscoveryConfigurationException(property, "'" + shown + "' has no usable host and port", fix, null);
      }
      try {
        // The library's one agent-address rule: no user info, query or fragment (they could carry a secret).
        out.add(AgentAddress.check(uri));
      } catch (IllegalArgumentException e) {
        throw new DiscoveryConfigurationException(property, e.getMessage(),
            "give the address only and the token in " + P + "token or " + P + "token-file", e);
      }
    }
    return List.copyOf(out);
  }

  /**
   * The datacenter, held to the rule of the backend that will use it (one word for HTTP, one DNS label for DNS)
   * by asking that backend's own builder, so the starter and the library cannot disagree.
   */
  private static String datacenter(String value, DiscoveryConsulProperties.Backend backend) {
    if (value == null) {
      return null;
    }
    String fix = backend == DiscoveryConsulProperties.Backend.DNS
        ? "give one DNS label (letters, digits, '-' or '_'), such as dc1, or leave it unset for the agent's own"
        : "give one word without spaces, such as dc1, or leave it unset for the agent's own";
    libraryCheck(P + "datacenter", fix, () -> {
      if (backend == DiscoveryConsulProperties.Backend.DNS) {
        ConsulDiscovery.dns().datacenter(value);
      }
      ConsulDiscovery.http().datacenter(value); // the catalog is read over HTTP with either backend
    });
    return value;
  }

  private static String dnsDomain(String value) {
    String v = value == null ? null : value.strip();
    libraryCheck(P + "dns.domain", "set it to the agent's DNS domain (its 'domain' setting), such as consul.",
        () -> ConsulDiscovery.dns().domain(v));
    return v;
  }

  /** Runs one of the library's own argument checks and blames a refusal on {@code property}. */
  private static void libraryCheck(String property, String fix, Runnable check) {
    try {
      check.run();
    } catch (IllegalArgumentException e) {
      throw new DiscoveryConfigurationException(property, e.getMessage(), fix, e);
    }
  }

  private static void checkSelector(DiscoveryConsulProperties.Selector s) {
    String prefix = P + "selector.";
    if (s.getFailuresToEject() < 0) {
      throw new DiscoveryConfigurationException(prefix + "failures-to-eject", "must not be negative, was "
          + s.getFailuresToEject(), "set it to 0 (ejection off) or more, such as 5", null);
    }
    if (s.getMaxEjectedPercent() < 0 || s.getMaxEjectedPercent() > 100) {
      throw new DiscoveryConfigurationException(prefix + "max-ejected-percent", "must be within 0..100, was "
          + s.getMaxEjectedPercent(), "set it to a percentage such as 50", null);
    }
    DiscoveryConfigurationException.requirePositive(s.getEjectionTime(), prefix + "ejection-time", "set it such as 30s");
  }

  private static String token(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String token = value.strip();
    // The library's check, so a token OkHttp would refuse (and quote in its message) stops start-up here.
    libraryCheck(P + "token", "set " + P + "token to the ACL token alone (or use " + P + "token-file)",
        () -> Credentials.checkToken(token, P + "token"));
    return token;
  }

  private static Path tokenFile(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String property = P + "token-file";
    Path path;
    try {
      path = Path.of(value.strip());
    } catch (InvalidPathException e) {
      throw new DiscoveryConfigurationException(property, "'" + value + "' is not a file path",
          "name the file that holds the ACL token", e);
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new DiscoveryConfigurationException(property, "the token file " + path
          + " does not exist or cannot be read", "fix the path or its permissions, or set " + P
          + "token instead", null);
    }
    // Read once now so a file holding a second line, a byte order mark or another character no token has
    // stops start-up with this property's name; the library reads it again when it builds its clients.
    libraryCheck(property, "write the ACL token alone, on one line, as UTF-8 without a byte order mark, to " + path,
        () -> Credentials.readTokenFile(path, property));
    return path;
  }

  private static InetSocketAddress dnsServer(String value) {
    String property = P + "dns.server";
    String fix = "set " + property + " to the agent's DNS address, such as 127.0.0.1:8600 (or use "
        + P + "backend=http)";
    if (value == null || value.isBlank()) {
      throw new DiscoveryConfigurationException(property, "is not set but " + P + "backend is dns", fix, null);
    }
    String v = value.strip();
    int colon = v.lastIndexOf(':');
    if (colon <= 0 || colon == v.length() - 1) {
      throw new DiscoveryConfigurationException(property, "'" + v + "' has no port", fix, null);
    }
    String host = v.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(v.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new DiscoveryConfigurationException(property, "'" + v + "' has no numeric port", fix, e);
    }
    if (port < 1 || port > 65535) {
      throw new DiscoveryConfigurationException(property, "port " + port + " is outside 1..65535", fix, null);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new DiscoveryConfigurationException(property, "host '" + host + "' cannot be resolved", fix, e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  @Override
  public String toString() {
    return "ConsulSettings{agents=" + agents + ", token=" + (token == null ? "unset" : "set") + ", tokenFile="
        + tokenFile + ", datacenter=" + datacenter + ", backend=" + backend + "}";
  }
}
