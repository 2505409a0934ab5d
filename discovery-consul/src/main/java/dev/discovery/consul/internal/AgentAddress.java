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
      throw new IllegalArgumentException("agent address '" + withoutSecrets(uri.toString())
          + "' must be an http:// or https:// URL such as http://127.0.0.1:8500");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("agent address '" + withoutSecrets(uri.toString())
          + "' has no host; use a URL such as http://127.0.0.1:8500");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("agent address '" + withoutSecrets(uri.toString())
          + "' must not carry user info, a query or a fragment (pass the ACL token with token(...) and"
          + " proxy credentials with basicAuth(...))");
    }
    return uri;
  }

  /**
   * {@code address} as it may be shown in a message: without user info ({@code user:password@}), query or
   * fragment. It works on text, not on a parsed {@link URI}, because the addresses that need it most do not
   * parse as the user meant: {@code http://user:p@ss@host} has no server authority (Java sees no user info and
   * no host), and {@code user:secret@host:8500} parses as the scheme {@code user}.
   */
  public static String withoutSecrets(String address) {
    if (address == null) {
      return "";
    }
    String s = address;
    int cut = s.length();
    for (char c : new char[] {'?', '#'}) {
      int at = s.indexOf(c);
      if (at >= 0 && at < cut) {
        cut = at;
      }
    }
    s = s.substring(0, cut);
    int sep = s.indexOf("://");
    int start = sep < 0 ? 0 : sep + 3;
    int end = s.indexOf('/', start);
    if (end < 0) {
      end = s.length();
    }
    // The last '@' of the authority ends the user info, even when the password holds another '@'.
    int at = s.lastIndexOf('@', end - 1);
    return at < start ? s : s.substring(0, start) + s.substring(at + 1);
  }
}
