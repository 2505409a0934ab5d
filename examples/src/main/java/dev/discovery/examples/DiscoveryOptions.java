package dev.discovery.examples;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The command-line options every example shares to reach Consul: HTTP or DNS, token file, datacenter. */
final class DiscoveryOptions {
  static final URI DEFAULT_CONSUL = URI.create("http://127.0.0.1:8500");

  // No picocli default: an explicit --consul next to --dns is a mistake worth reporting.
  @Option(names = "--consul", paramLabel = "URL",
      description = "Consul agent HTTP address (default: http://127.0.0.1:8500)")
  URI consul;

  @Option(names = "--dns", paramLabel = "HOST:PORT", description = "Use Consul's DNS interface at this address instead of HTTP")
  String dns;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding the Consul ACL token (HTTP only; Consul's DNS takes no token)")
  Path tokenFile;

  @Option(names = "--dc", paramLabel = "DC", description = "Datacenter (default: the agent's own)")
  String datacenter;

  // ---- persisted answers (issue 17): --snapshot-dir ----

  @Option(names = "--snapshot-dir", paramLabel = "DIR", description = "Keep each answer in DIR and, when the"
      + " registry cannot be reached, print the one kept there instead, saying so and how old it is")
  Path snapshotDir;

  /** The cache settings of {@code --snapshot-dir}: persisted answers in that directory, or none. */
  private void persistence(CachingDiscovery.Builder cache) {
    if (snapshotDir != null) {
      cache.persistTo(snapshotDir);
    }
  }

  /**
   * Rejects option combinations that cannot work, as a usage error that names the problem and the fix.
   *
   * @throws ParameterException for {@code --consul} with {@code --dns}, {@code --token-file} with {@code --dns},
   *     a malformed address, or an unreadable token file
   */
  void validate(CommandLine commandLine) {
    if (dns != null && consul != null) {
      throw new ParameterException(commandLine, "--consul and --dns both choose the registry; give one of them"
          + " (--consul=URL for HTTP, --dns=HOST:PORT for DNS)");
    }
    if (dns != null && tokenFile != null) {
      throw new ParameterException(commandLine, "--token-file does not apply to --dns: Consul's DNS interface"
          + " takes no ACL token; drop --token-file, or use --consul=URL to query over HTTP with the token");
    }
    if (dns != null) {
      try {
        parseHostPort(dns);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(commandLine, "--dns: " + e.getMessage());
      }
    }
    if (consul != null) {
      String scheme = consul.getScheme() == null ? "" : consul.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || consul.getHost() == null) {
        throw new ParameterException(commandLine, "--consul must be an http:// or https:// URL with a host,"
            + " such as http://127.0.0.1:8500, was '" + consul + "'");
      }
    }
    if (tokenFile != null && !Files.isReadable(tokenFile)) {
      throw new ParameterException(commandLine, "--token-file: cannot read '" + tokenFile
          + "'; check the path and its permissions");
    }
  }

  boolean isDns() {
    return dns != null;
  }

  URI consulUri() {
    return consul != null ? consul : DEFAULT_CONSUL;
  }

  /** Opens the chosen backend; the first answer of a query may take up to {@code loadTimeout}. */
  ServiceDiscovery open(Duration loadTimeout) {
    if (dns != null) {
      var builder = ConsulDiscovery.dns().server(parseHostPort(dns)).refreshInterval(Duration.ofSeconds(1))
          .cache(c -> c.loadTimeout(loadTimeout)).cache(this::persistence);
      if (datacenter != null) {
        builder.datacenter(datacenter);
      }
      return builder.build();
    }
    var http = ConsulDiscovery.http().agents(consulUri()).cache(c -> c.loadTimeout(loadTimeout))
        .cache(this::persistence);
    if (datacenter != null) {
      http.datacenter(datacenter);
    }
    if (tokenFile != null) {
      http.tokenFile(tokenFile);
    }
    return http.build();
  }

  ServiceDiscovery open() {
    return open(Duration.ofSeconds(10));
  }

  /** A client of the agent's own API (for the catalog), with the same address and token as {@link #open}. */
  ConsulAgent agent() {
    ConsulAgent.Builder builder = ConsulAgent.builder().uri(consulUri()).timeout(Duration.ofSeconds(5));
    if (tokenFile != null) {
      builder.tokenFile(tokenFile);
    }
    return builder.build();
  }

  /** A human description of the backend for messages; never contains a token. */
  String describe() {
    return dns != null ? "Consul DNS at " + dns : "Consul HTTP at " + consulUri();
  }

  /** What to check and which flag to set when the registry cannot be reached. */
  String reachFix() {
    return dns != null
        ? "is Consul's DNS interface listening at " + dns + "? set --dns=HOST:PORT"
        : "is the agent running at " + consulUri() + "? set --consul=URL";
  }

  /** Where the token came from, for an ACL refusal message (never the token itself). */
  String tokenSource() {
    if (tokenFile != null) {
      return "the token in " + tokenFile;
    }
    return System.getenv("CONSUL_HTTP_TOKEN_FILE") != null ? "the token in $CONSUL_HTTP_TOKEN_FILE"
        : System.getenv("CONSUL_HTTP_TOKEN") != null ? "the token in $CONSUL_HTTP_TOKEN" : "the anonymous token";
  }

  static ServiceQuery query(String service, List<String> tags, String datacenter, String health) {
    ServiceQuery q = ServiceQuery.of(service).withTags(tags).inDatacenter(datacenter);
    if ("warning".equalsIgnoreCase(health)) {
      q = q.withHealth(HealthFilter.PASSING_OR_WARNING);
    } else if (!"passing".equalsIgnoreCase(health)) {
      throw new IllegalArgumentException("--health must be 'passing' or 'warning', was '" + health + "'");
    }
    return q;
  }

  /**
   * {@code q} with the lookup tool's {@code --failover-dc} list and {@code --min-healthy} minimum (issue 17); a
   * minimum without a list is refused, since it would do nothing.
   */
  static ServiceQuery withFailover(ServiceQuery q, List<String> failoverDcs, Integer minHealthy) {
    if (minHealthy != null && failoverDcs.isEmpty()) {
      throw new IllegalArgumentException("--min-healthy needs --failover-dc=DC[,DC...]: without fallback datacenters"
          + " there is nothing to fail over to");
    }
    ServiceQuery out = failoverDcs.isEmpty() ? q : q.withFailover(failoverDcs);
    return minHealthy == null ? out : out.withMinHealthy(minHealthy);
  }

  static InetSocketAddress parseHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT such as 127.0.0.1:8600, was '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port in '" + hostPort + "' is not a number; expected HOST:PORT such as"
          + " 127.0.0.1:8600");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port in '" + hostPort + "' must be within 1..65535");
    }
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("cannot resolve host '" + host + "' of '" + hostPort
          + "'; give an IP address or a resolvable name");
    }
    return address;
  }

  /** Parses a duration written like {@code 500ms}, {@code 10s} or {@code 2m}. */
  static Duration parseDuration(String text, String option) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      } else {
        throw new NumberFormatException();
      }
      if (d.isNegative() || d.isZero()) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a positive duration such as 500ms, 10s or 2m, was '"
          + text + "'");
    }
  }
}
