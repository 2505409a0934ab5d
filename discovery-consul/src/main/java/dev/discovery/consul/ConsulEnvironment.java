package dev.discovery.consul;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Consul's standard client environment variables ({@code CONSUL_HTTP_ADDR}, {@code CONSUL_HTTP_TOKEN},
 * {@code CONSUL_HTTP_TOKEN_FILE}, {@code CONSUL_HTTP_SSL}, and for TLS {@code CONSUL_CACERT},
 * {@code CONSUL_CAPATH}, {@code CONSUL_CLIENT_CERT}, {@code CONSUL_CLIENT_KEY}, {@code CONSUL_TLS_SERVER_NAME},
 * {@code CONSUL_HTTP_SSL_VERIFY}), read through an injectable lookup so that
 * builders take the same defaults as Consul's own tools and tests need not touch the real environment.
 *
 * <p>As in HashiCorp's Go client, a non-empty token file wins over {@code CONSUL_HTTP_TOKEN}.
 */
public final class ConsulEnvironment {
  /** The address Consul's tools use when {@code CONSUL_HTTP_ADDR} is unset. */
  public static final URI DEFAULT_ADDRESS = URI.create("http://127.0.0.1:8500");

  private static final ConsulEnvironment NONE = new ConsulEnvironment(name -> null);
  private final Function<String, String> lookup;

  private ConsulEnvironment(Function<String, String> lookup) {
    this.lookup = lookup;
  }

  /** The process environment ({@link System#getenv(String)}). */
  public static ConsulEnvironment system() {
    return new ConsulEnvironment(System::getenv);
  }

  /** An environment with no variables set: every default is Consul's built-in one. */
  public static ConsulEnvironment none() {
    return NONE;
  }

  /** An environment backed by {@code lookup} (a name to its value, or {@code null} when unset). */
  public static ConsulEnvironment of(Function<String, String> lookup) {
    return new ConsulEnvironment(Objects.requireNonNull(lookup, "lookup"));
  }

  /** An environment holding exactly {@code variables}. */
  public static ConsulEnvironment of(Map<String, String> variables) {
    Map<String, String> copy = Map.copyOf(variables);
    return new ConsulEnvironment(copy::get);
  }

  /**
   * The agent address from {@code CONSUL_HTTP_ADDR} ({@code host:port} or a URL), with {@code https} when
   * {@code CONSUL_HTTP_SSL} is true; {@link #DEFAULT_ADDRESS} (or its https form) when unset.
   *
   * @throws IllegalArgumentException if the variable holds something that is not an http(s) address
   */
  public URI address() {
    String addr = value("CONSUL_HTTP_ADDR");
    boolean ssl = ssl();
    if (addr == null) {
      return ssl ? URI.create("https://127.0.0.1:8500") : DEFAULT_ADDRESS;
    }
    String lower = addr.toLowerCase(Locale.ROOT);
    // Messages show the address without user info: a user:password@ in the variable is a secret.
    String shown = dev.discovery.consul.internal.AgentAddress.withoutSecrets(addr);
    if (lower.startsWith("unix://")) {
      throw new IllegalArgumentException("CONSUL_HTTP_ADDR '" + shown
          + "' is a unix socket, which this client does not support; use http://host:port");
    }
    String url = lower.startsWith("http://") || lower.startsWith("https://")
        ? addr
        : (ssl ? "https://" : "http://") + addr;
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      // Not chained: the parser's message quotes the whole value. Its reason and position are enough.
      throw new IllegalArgumentException("CONSUL_HTTP_ADDR '" + shown + "' is not a valid agent address ("
          + e.getReason() + "); use host:port or http(s)://host:port");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("CONSUL_HTTP_ADDR '" + shown
          + "' is not a valid agent address (no host); use host:port or http(s)://host:port");
    }
    return uri;
  }

  /** Whether {@code CONSUL_HTTP_SSL} asks for https (Go's boolean syntax: 1, t, true...). */
  public boolean ssl() {
    return bool("CONSUL_HTTP_SSL", false);
  }

  /**
   * The TLS settings the variables ask for, if any: the CA of {@code CONSUL_CACERT}, else the CAs of the
   * files under {@code CONSUL_CAPATH}, else the platform's CAs, the client certificate and key of {@code CONSUL_CLIENT_CERT} and {@code CONSUL_CLIENT_KEY}, the
   * name of {@code CONSUL_TLS_SERVER_NAME}, and no verification at all when {@code CONSUL_HTTP_SSL_VERIFY}
   * is false. Empty when none of them is set. Builders use it only when no {@code tls(..)} was given.
   *
   * @throws IllegalArgumentException if only one of the client certificate and key is set, or
   *     {@code CONSUL_HTTP_SSL_VERIFY} is not a boolean
   */
  public Optional<ConsulTls> tls() {
    // As in Consul's tools, a CA file wins over a CA directory.
    String ca = value("CONSUL_CACERT") != null ? value("CONSUL_CACERT") : value("CONSUL_CAPATH");
    String cert = value("CONSUL_CLIENT_CERT");
    String key = value("CONSUL_CLIENT_KEY");
    String serverName = value("CONSUL_TLS_SERVER_NAME");
    boolean verify = bool("CONSUL_HTTP_SSL_VERIFY", true);
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY must be set together"
          + " (only " + (cert != null ? "CONSUL_CLIENT_CERT" : "CONSUL_CLIENT_KEY") + " is); set both or neither");
    }
    if (ca == null && cert == null && serverName == null && verify) {
      return Optional.empty();
    }
    ConsulTls tls = ca != null ? ConsulTls.trusting(Path.of(ca)) : ConsulTls.systemTrust();
    if (cert != null) {
      tls = tls.withClientCertificate(Path.of(cert), Path.of(key));
    }
    if (serverName != null) {
      tls = tls.withServerName(serverName);
    }
    if (!verify) {
      tls = tls.withoutVerification();
    }
    return Optional.of(tls);
  }

  /** A boolean variable in Go's syntax (1, t, true, 0, f, false, any case); {@code otherwise} when unset. */
  private boolean bool(String name, boolean otherwise) {
    String v = value(name);
    if (v == null) {
      return otherwise;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "1": case "t": case "true":
        return true;
      case "0": case "f": case "false":
        return false;
      default:
        throw new IllegalArgumentException(name + " must be true or false (or 1/0), was '" + v + "'");
    }
  }

  /** The token file named by {@code CONSUL_HTTP_TOKEN_FILE}, if set. */
  public Optional<Path> tokenFile() {
    String file = value("CONSUL_HTTP_TOKEN_FILE");
    return file == null ? Optional.empty() : Optional.of(Path.of(file));
  }

  /**
   * The ACL token: the trimmed content of {@code CONSUL_HTTP_TOKEN_FILE} when set and non-empty, else
   * {@code CONSUL_HTTP_TOKEN}, else empty.
   *
   * @throws IllegalArgumentException if the token file is set but cannot be read, or a token has a character no
   *     Consul token has (only visible ASCII is allowed); the message names the file or the variable, never the
   *     token
   */
  public Optional<String> token() {
    Optional<Path> file = tokenFile();
    if (file.isPresent()) {
      String fromFile = dev.discovery.consul.internal.Credentials.readTokenFile(file.get(),
          "CONSUL_HTTP_TOKEN_FILE");
      if (!fromFile.isEmpty()) {
        return Optional.of(fromFile);
      }
    }
    String token = value("CONSUL_HTTP_TOKEN");
    return token == null ? Optional.empty()
        : Optional.of(dev.discovery.consul.internal.Credentials.checkToken(token, "CONSUL_HTTP_TOKEN"));
  }

  private String value(String name) {
    String v = lookup.apply(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  @Override
  public String toString() {
    return "ConsulEnvironment";
  }
}
