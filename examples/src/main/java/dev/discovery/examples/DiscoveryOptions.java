package dev.discovery.examples;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceQuery;
import dev.discovery.consul.ConsulDiscovery;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** The command-line options every example shares to reach Consul: HTTP or DNS, token file, datacenter. */
final class DiscoveryOptions {
  @Option(names = "--consul", paramLabel = "URL", description = "Consul agent HTTP address (default: ${DEFAULT-VALUE})",
      defaultValue = "http://127.0.0.1:8500")
  URI consul;

  @Option(names = "--dns", paramLabel = "HOST:PORT", description = "Use Consul's DNS interface at this address instead of HTTP")
  String dns;

  @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the Consul ACL token (HTTP only)")
  Path tokenFile;

  @Option(names = "--dc", paramLabel = "DC", description = "Datacenter (default: the agent's own)")
  String datacenter;

  /** Opens the chosen backend. */
  ServiceDiscovery open() {
    if (dns != null) {
      var builder = ConsulDiscovery.dns().server(parseHostPort(dns)).refreshInterval(Duration.ofSeconds(1));
      if (datacenter != null) {
        builder.datacenter(datacenter);
      }
      return builder.build();
    }
    var http = ConsulDiscovery.http().agents(consul);
    if (datacenter != null) {
      http.datacenter(datacenter);
    }
    if (tokenFile != null) {
      http.tokenFile(tokenFile);
    }
    return http.build();
  }

  /** A human description of the backend for messages; never contains a token. */
  String describe() {
    return dns != null ? "Consul DNS at " + dns : "Consul HTTP at " + consul;
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
      throw new IllegalArgumentException("port in '" + hostPort + "' is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port in '" + hostPort + "' must be within 1..65535");
    }
    return new InetSocketAddress(host, port);
  }
}
