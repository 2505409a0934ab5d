package dev.discovery.grpc;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceQuery;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed {@code consul:} target: which agent ({@code null} for the one the environment names), which query, and
 * which load-balancing policy the channel should get. Parsing is strict: anything it does not understand fails
 * channel creation with a message naming the target and the expected form, never a silent default.
 */
final class ConsulTarget {
  /** The {@code lb} value that leaves the channel's own service config and default policy in charge. */
  static final String CHANNEL_POLICY = "channel";

  private final URI agent;
  private final ServiceQuery query;
  private final String policy;
  private final String display;

  private ConsulTarget(URI agent, ServiceQuery query, String policy, String display) {
    this.agent = agent;
    this.query = query;
    this.policy = policy;
    this.display = display;
  }

  /** The form every message shows, for the scheme in use. */
  static String expectedForm(String scheme) {
    return "expected " + scheme + ":///SERVICE (agent from CONSUL_HTTP_ADDR, else 127.0.0.1:8500) or "
        + scheme + "://HOST:PORT/SERVICE, optionally followed by ?tag=T (repeatable), dc=DC, "
        + "health=passing|warning, lb=POLICY|channel";
  }

  /**
   * Parses a target.
   *
   * @param agentAllowed false when the provider works through the application's own discovery, which has its agent
   * @param https whether an agent named in the target is spoken to over https ({@code CONSUL_HTTP_SSL})
   * @throws IllegalArgumentException naming the target (without any user info) and the expected form
   */
  static ConsulTarget parse(URI target, String scheme, boolean agentAllowed, boolean https) {
    String display = display(target);
    if (target.isOpaque() || target.getRawPath() == null) {
      throw invalid(display, scheme, "the service must be the path, after a '/'");
    }
    if (target.getRawUserInfo() != null) {
      // Never echo it: user info in a target is most likely a token someone hoped would work.
      throw invalid(display, scheme, "user info is not accepted in the authority; give the ACL token in "
          + "CONSUL_HTTP_TOKEN or CONSUL_HTTP_TOKEN_FILE, or build the discovery yourself");
    }
    if (target.getRawFragment() != null) {
      throw invalid(display, scheme, "a fragment ('#...') means nothing here");
    }
    URI agent = null;
    String authority = target.getRawAuthority();
    if (authority != null && !authority.isEmpty()) {
      if (!agentAllowed) {
        throw invalid(display, scheme, "this provider resolves through the application's own ServiceDiscovery, "
            + "which knows its agent; leave the authority empty (" + scheme + ":///SERVICE)");
      }
      if (target.getHost() == null) {
        throw invalid(display, scheme, "the authority '" + authority + "' is not HOST or HOST:PORT");
      }
      int port = target.getPort() < 0 ? 8500 : target.getPort();
      agent = URI.create((https ? "https://" : "http://") + target.getHost() + ":" + port);
    }
    String path = target.getPath();
    String service = path.startsWith("/") ? path.substring(1) : path;
    if (service.isEmpty()) {
      throw invalid(display, scheme, "no service is named");
    }
    if (service.contains("/")) {
      throw invalid(display, scheme, "the path must be one service name, not '" + path + "'");
    }
    ServiceQuery query;
    List<String> tags = new ArrayList<>();
    String dc = null;
    String health = null;
    String policy = null;
    try {
      query = ServiceQuery.of(service);
    } catch (IllegalArgumentException e) {
      throw invalid(display, scheme, e.getMessage());
    }
    String raw = target.getRawQuery();
    if (raw != null && !raw.isEmpty()) {
      for (String pair : raw.split("&", -1)) {
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (value.isEmpty()) {
          throw invalid(display, scheme, "parameter '" + key + "' needs a value");
        }
        switch (key) {
          case "tag":
            tags.add(value);
            break;
          case "dc":
            dc = once(display, scheme, key, dc, value);
            break;
          case "health":
            health = once(display, scheme, key, health, value.toLowerCase(Locale.ROOT));
            if (!health.equals("passing") && !health.equals("warning")) {
              throw invalid(display, scheme, "health must be 'passing' (the default) or 'warning', was '" + value
                  + "'");
            }
            break;
          case "lb":
            policy = once(display, scheme, key, policy, value);
            break;
          default:
            throw invalid(display, scheme, "unknown parameter '" + key + "'");
        }
      }
    }
    try {
      query = query.withTags(tags).inDatacenter(dc)
          .withHealth("warning".equals(health) ? HealthFilter.PASSING_OR_WARNING : HealthFilter.PASSING);
    } catch (IllegalArgumentException e) {
      throw invalid(display, scheme, e.getMessage());
    }
    return new ConsulTarget(agent, query, policy, display);
  }

  private static String once(String display, String scheme, String key, String previous, String value) {
    if (previous != null) {
      throw invalid(display, scheme, "parameter '" + key + "' is given twice");
    }
    return value;
  }

  /**
   * Percent-escapes only: a target is a URI, not a form, so {@code +} stays a plus ({@code tag=c++}), where
   * {@link URLDecoder} alone would make it a space. ({@link URI} has already refused malformed escapes.)
   */
  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  static IllegalArgumentException invalid(String display, String scheme, String reason) {
    return new IllegalArgumentException("invalid gRPC target '" + display + "': " + reason + "; "
        + expectedForm(scheme));
  }

  /** The target as messages show it: without user info, which may hold a secret. */
  static String display(URI target) {
    if (target.getRawUserInfo() == null) {
      return target.toString();
    }
    String s = target.toString();
    return s.replace(target.getRawUserInfo() + "@", "***@");
  }

  /** The agent named in the target, or {@code null} for the environment's. */
  URI agent() {
    return agent;
  }

  ServiceQuery query() {
    return query;
  }

  /** The {@code lb} parameter, or {@code null} when the target gives none. */
  String policy() {
    return policy;
  }

  /** The target for messages (no user info). */
  String display() {
    return display;
  }
}
