package dev.discovery.consul.http;

import java.net.URI;
import java.util.Locale;

/** Argument checks for the builder; messages name the setting so the caller knows what to fix. */
final class HttpSupport {
  private HttpSupport() {}

  static URI checkAgentUri(URI uri) {
    if (uri == null) {
      throw new IllegalArgumentException("agent address must not be null");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("agent address '" + uri
          + "' must be an http:// or https:// URL such as http://127.0.0.1:8500");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("agent address '" + uri + "' has no host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("agent address '" + uri.getScheme() + "://" + uri.getHost()
          + "' must not carry user info, a query or a fragment (pass the token with token(...))");
    }
    return uri;
  }

  static String checkToken(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(field + " '" + value + "' must not contain whitespace");
      }
    }
    return value;
  }
}
