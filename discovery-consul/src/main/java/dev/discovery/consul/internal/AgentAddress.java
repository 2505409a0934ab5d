package dev.discovery.consul.internal;

import java.net.URI;
import java.util.Locale;

/**
 * The one rule for an agent's HTTP address, used by every client of an agent: an {@code http://} or
 * {@code https://} URL with a host, and nothing that could carry or hide a secret (no user info, no query, no
 * fragment: the token has its own setting and travels in a header). Internal: see the package documentation.
 */
public final class AgentAddress {
  private AgentAddress() {}

  /**
   * Returns {@code uri} if it is a usable agent address.
   *
   * @throws IllegalArgumentException naming the address and the fix otherwise
   */
  public static URI check(URI uri) {
    if (uri == null) {
      throw new IllegalArgumentException("agent address must not be null");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("agent address '" + withoutSecrets(uri)
          + "' must be an http:// or https:// URL such as http://127.0.0.1:8500");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("agent address '" + withoutSecrets(uri)
          + "' has no host; use a URL such as http://127.0.0.1:8500");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      // The message shows scheme and host only: user info or a query may hold a password or a token.
      throw new IllegalArgumentException("agent address '" + uri.getScheme() + "://" + uri.getHost()
          + "' must not carry user info, a query or a fragment (pass the ACL token with token(...) and"
          + " proxy credentials with basicAuth(...))");
    }
    return uri;
  }

  /** The address as it may be shown: without user info, query or fragment. */
  private static String withoutSecrets(URI uri) {
    if (uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null) {
      return uri.toString();
    }
    return (uri.getScheme() == null ? "" : uri.getScheme() + "://") + (uri.getHost() == null ? "?" : uri.getHost());
  }
}
