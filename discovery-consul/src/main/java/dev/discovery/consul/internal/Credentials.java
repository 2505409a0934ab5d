package dev.discovery.consul.internal;

import dev.discovery.consul.ConsulEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import okhttp3.Request;

/**
 * The secrets a client sends to an agent: the ACL token ({@code X-Consul-Token} header) and optional HTTP basic
 * credentials for a proxy in front of the agent ({@code Authorization} header). Immutable. It puts them on
 * requests, and takes every one of them out of text that came back from the network ({@link #scrub}) before that
 * text reaches a message or a log; {@link #toString()} says only which are set. Internal: see the package
 * documentation.
 */
public final class Credentials {
  private static final Credentials NONE = new Credentials(null, null, null);

  private final String token;
  private final String authorization;
  private final String password;

  private Credentials(String token, String authorization, String password) {
    this.token = token;
    this.authorization = authorization;
    this.password = password;
  }

  /** No token, no basic credentials. */
  public static Credentials none() {
    return NONE;
  }

  /**
   * Resolves the token as every builder does: the one set explicitly (a token, or a file holding it) wins over
   * the environment's ({@code CONSUL_HTTP_TOKEN_FILE}, then {@code CONSUL_HTTP_TOKEN}); an empty token is none.
   *
   * @param tokenSet whether the builder was given a token or a token file
   * @param token the token given, or {@code null}
   * @param tokenFile the token file given, or {@code null}
   * @throws IllegalArgumentException if the token file cannot be read (the message names the file)
   */
  public static String resolveToken(boolean tokenSet, String token, Path tokenFile, ConsulEnvironment env) {
    String resolved;
    if (tokenSet) {
      resolved = token != null ? token : readTokenFile(tokenFile);
    } else {
      resolved = env.token().orElse(null);
    }
    return resolved == null || resolved.isEmpty() ? null : resolved;
  }

  /**
   * The token in {@code file}, stripped of surrounding white space, as Consul's tools read it; an empty file is
   * an empty token.
   *
   * @throws IllegalArgumentException naming the file and the fix if it cannot be read, or if what is left after
   *     stripping is not a single run of visible ASCII characters (see {@link #checkToken(String, String)})
   */
  public static String readTokenFile(Path file) {
    return readTokenFile(file, null);
  }

  /**
   * As {@link #readTokenFile(Path)}, with {@code namedBy} (the setting that named the file, such as
   * {@code CONSUL_HTTP_TOKEN_FILE}, or {@code null}) in the message about a bad character.
   */
  public static String readTokenFile(Path file, String namedBy) {
    Objects.requireNonNull(file, "token file");
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      // A MalformedInputException (not UTF-8) says nothing about the content; the message never quotes it.
      throw new IllegalArgumentException("cannot read the Consul ACL token file " + file + " ("
          + e.getClass().getSimpleName() + "); check the path and its permissions, and that it is UTF-8 text", e);
    }
    String t = content.strip();
    return t.isEmpty() ? t : checkToken(t, "the token in file " + file
        + (namedBy == null ? "" : " (named by " + namedBy + ")"));
  }

  /**
   * Checks a token given in code: not blank, and without white space or control characters, which no Consul
   * token has and which could split a header.
   *
   * @return the token, stripped
   */
  public static String checkToken(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("token must not be blank (omit it to use the environment's)");
    }
    return checkToken(token.strip(), "the token given to token(...)");
  }

  /**
   * Checks a token from any source: only visible ASCII ({@code 0x21..0x7E}), which every Consul token is (a
   * UUID or a word) and which is all OkHttp sends in a header unchanged. OkHttp's own refusal would quote the
   * whole header value in its message, so this check runs first, wherever a token enters, and its message says
   * what kind of character was found and where, never the token or any part of it.
   *
   * @param token the token, already stripped
   * @param source where the token came from, for the message, such as {@code "CONSUL_HTTP_TOKEN"}
   * @return {@code token}
   * @throws IllegalArgumentException naming {@code source} and the fix
   */
  public static String checkToken(String token, String source) {
    Objects.requireNonNull(token, "token");
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        // Only the kind of character and its position are shown: the token is a secret.
        throw new IllegalArgumentException(source + " contains " + kind(c) + " at position " + (i + 1)
            + "; a Consul ACL token is only visible ASCII characters (such as a UUID), so set it to the token"
            + " alone, on one line" + (c == '\uFEFF' ? " (save the file as UTF-8 without a byte order mark)" : ""));
      }
    }
    return token;
  }

  private static String kind(char c) {
    if (c == '\uFEFF') {
      return "a byte order mark";
    }
    if (c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085') {
      return "a line break (a second line)";
    }
    if (c == '\u00A0' || c == '\u2007' || c == '\u202F') {
      return "a non-breaking space";
    }
    if (Character.isISOControl(c)) {
      return "a control character";
    }
    if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
      return "white space";
    }
    return "a non-ASCII character";
  }

  /**
   * Checks HTTP basic credentials (RFC 7617): a non-empty user name without {@code ':'} or control characters,
   * a password without control characters.
   */
  public static void checkBasicAuth(String user, String password) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (user.isEmpty() || user.indexOf(':') >= 0 || user.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("basic auth user name must be non-empty, without ':' or control"
          + " characters (RFC 7617); put everything after the first ':' in the password");
    }
    if (password.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("basic auth password must not contain control characters");
    }
  }

  /**
   * Credentials with {@code token} (or none when {@code null}) and basic credentials when {@code user} is not
   * {@code null}.
   */
  public static Credentials of(String token, String user, String password) {
    if (user == null) {
      return token == null ? NONE : new Credentials(token, null, null);
    }
    checkBasicAuth(user, password);
    return new Credentials(token, okhttp3.Credentials.basic(user, password, StandardCharsets.UTF_8), password);
  }

  /** Whether an ACL token is sent. */
  public boolean hasToken() {
    return token != null;
  }

  /** Whether basic credentials are sent. */
  public boolean hasBasicAuth() {
    return authorization != null;
  }

  /** Puts the token and basic credentials on {@code request}, as headers only. */
  public Request.Builder authorize(Request.Builder request) {
    if (token != null) {
      request.header("X-Consul-Token", token);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request;
  }

  /**
   * {@code text} with every secret replaced by a placeholder: the token, the encoded basic credentials and the
   * password, in case an agent or a proxy echoes them. {@code null} becomes {@code ""}.
   */
  public String scrub(String text) {
    if (text == null) {
      return "";
    }
    String out = token == null ? text : text.replace(token, "<token>");
    if (authorization != null) {
      out = out.replace(authorization.substring("Basic ".length()), "<credentials>");
      if (!password.isEmpty()) {
        out = out.replace(password, "<password>");
      }
    }
    return out;
  }

  @Override
  public String toString() {
    if (token == null && authorization == null) {
      return "no credentials";
    }
    return (token == null ? "" : "token set") + (token != null && authorization != null ? ", " : "")
        + (authorization == null ? "" : "basic auth set");
  }
}
