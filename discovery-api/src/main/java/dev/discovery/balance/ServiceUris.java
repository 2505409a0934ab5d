package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import java.net.URI;
import java.util.Locale;

/**
 * The rule HTTP client integrations share to tell a request meant for a service from any other: a host of
 * the form {@code <service><suffix>} (by default {@code web.service} for the service {@code web}) names a
 * service, and the request goes to one of its instances with the scheme, path, query and fragment kept.
 * Immutable and thread-safe.
 */
public final class ServiceUris {
  /** The suffix used when none is configured: {@code http://web.service/path} calls the service {@code web}. */
  public static final String DEFAULT_SUFFIX = ".service";

  private static final ServiceUris DEFAULT = new ServiceUris(DEFAULT_SUFFIX);
  private final String suffix;

  private ServiceUris(String suffix) {
    this.suffix = suffix;
  }

  /** The rule with the {@linkplain #DEFAULT_SUFFIX default suffix} {@code .service}. */
  public static ServiceUris defaults() {
    return DEFAULT;
  }

  /**
   * The rule for hosts ending in {@code suffix}, for example {@code ".service.consul"}.
   *
   * @throws IllegalArgumentException if the suffix is blank, does not start with a dot or holds whitespace
   */
  public static ServiceUris withSuffix(String suffix) {
    if (suffix == null || suffix.isBlank() || suffix.charAt(0) != '.' || suffix.length() < 2) {
      throw new IllegalArgumentException("service host suffix must start with a dot and name a domain,"
          + " such as \".service\", was " + (suffix == null ? "null" : "\"" + suffix + "\""));
    }
    for (int i = 0; i < suffix.length(); i++) {
      char c = suffix.charAt(i);
      if (Character.isWhitespace(c) || c == '/' || c == ':' || c == '@') {
        throw new IllegalArgumentException("service host suffix \"" + suffix
            + "\" must be a domain such as \".service\" (no whitespace, '/', ':' or '@')");
      }
    }
    // Host names compare case-insensitively, and HTTP clients usually hand them over lower-cased.
    return new ServiceUris(suffix.toLowerCase(Locale.ROOT));
  }

  /** The configured suffix, lower-cased. */
  public String suffix() {
    return suffix;
  }

  /**
   * The service a host names, or {@code null} when the host is not of the form {@code <service><suffix>}
   * (such requests are not the integration's business and go out untouched).
   */
  public String serviceOf(String host) {
    if (host == null) {
      return null;
    }
    String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host; // absolute DNS form
    if (h.length() <= suffix.length() || !h.regionMatches(true, h.length() - suffix.length(), suffix, 0,
        suffix.length())) {
      return null;
    }
    String service = h.substring(0, h.length() - suffix.length());
    // "a.b.service" is not a service name this rule can mean; leave it to DNS.
    return service.indexOf('.') >= 0 ? null : service;
  }

  /** The service {@code uri} names, or {@code null} when its host does not name one. */
  public String serviceOf(URI uri) {
    return serviceOf(uri.getHost());
  }

  /**
   * {@code uri} pointed at {@code instance}: host and port replaced, scheme, user info, path, query and
   * fragment kept exactly as they were encoded.
   */
  public URI resolve(URI uri, ServiceInstance instance) {
    StringBuilder s = new StringBuilder();
    s.append(uri.getScheme()).append("://");
    if (uri.getRawUserInfo() != null) {
      s.append(uri.getRawUserInfo()).append('@');
    }
    s.append(instance.address());
    if (uri.getRawPath() != null) {
      s.append(uri.getRawPath());
    }
    if (uri.getRawQuery() != null) {
      s.append('?').append(uri.getRawQuery());
    }
    if (uri.getRawFragment() != null) {
      s.append('#').append(uri.getRawFragment());
    }
    return URI.create(s.toString());
  }

  @Override
  public String toString() {
    return "ServiceUris{<service>" + suffix + "}";
  }
}
