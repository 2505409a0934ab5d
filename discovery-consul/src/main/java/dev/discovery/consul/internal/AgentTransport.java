package dev.discovery.consul.internal;

import dev.discovery.consul.ConsulTls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import okio.Source;

/**
 * The one HTTP transport to Consul agents, shared by the discovery backend and {@code ConsulAgent} (and through
 * it the Mesos bridge): credentials on every request and scrubbed from every text that comes back, TLS, time-outs,
 * and a cap on what a response may make this process hold in memory. Immutable and thread-safe.
 *
 * <p>Callers bring their own OkHttp client for what legitimately differs between them (dispatcher limits, the
 * connection pool): a backend parks hundreds of blocking queries at one agent, the bridge talks to a hundred
 * agents a few calls each. Everything else is decided here. Internal: see the package documentation.
 */
public final class AgentTransport {
  /** The default cap on a response body: room for a health answer of tens of thousands of instances. */
  public static final long DEFAULT_MAX_BODY_BYTES = 64L * 1024 * 1024;
  /** The smallest cap accepted: below it even an error page could not be read. */
  public static final long MIN_MAX_BODY_BYTES = 1024;
  /** How much of an error response is read to quote Consul's reason. */
  static final long ERROR_TEXT_LIMIT = 64 * 1024;

  private final OkHttpClient client;
  private final Credentials credentials;
  private final long maxBodyBytes;

  private AgentTransport(OkHttpClient client, Credentials credentials, long maxBodyBytes) {
    this.client = client;
    this.credentials = credentials;
    this.maxBodyBytes = maxBodyBytes;
  }

  /**
   * A transport over {@code base} (its dispatcher and connection pool are kept) with TLS from {@code tls} (none
   * when {@code null}), the given time-outs and a body cap.
   *
   * @param ioTimeout the connect, read and write time-out; a whole call may take twice that plus
   *     {@code extraCallTime}
   * @throws IllegalArgumentException if the TLS files are unusable or the cap is below {@link #MIN_MAX_BODY_BYTES}
   */
  public static AgentTransport create(OkHttpClient base, ConsulTls tls, Credentials credentials,
      Duration connectTimeout, Duration ioTimeout, long maxBodyBytes) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(credentials, "credentials");
    checkMaxBody(maxBodyBytes);
    OkHttpClient.Builder b = base.newBuilder()
        .connectTimeout(connectTimeout)
        .readTimeout(ioTimeout)
        .writeTimeout(ioTimeout)
        .callTimeout(ioTimeout.plus(connectTimeout));
    if (tls != null) {
      TlsSetup.apply(tls, b);
    }
    return new AgentTransport(b.build(), credentials, maxBodyBytes);
  }

  /**
   * Checks a body cap given by a user.
   *
   * @throws IllegalArgumentException naming the setting if it is below {@link #MIN_MAX_BODY_BYTES}
   */
  public static long checkMaxBody(long bytes) {
    if (bytes < MIN_MAX_BODY_BYTES) {
      throw new IllegalArgumentException("maxBodySize must be at least " + MIN_MAX_BODY_BYTES + " bytes, was " + bytes);
    }
    return bytes;
  }

  /**
   * This transport with a longer read time-out, for blocking queries that the agent holds up to
   * {@code readTimeout}; it shares the same connections, dispatcher and credentials.
   */
  public AgentTransport withReadTimeout(Duration readTimeout) {
    OkHttpClient longer = client.newBuilder()
        .readTimeout(readTimeout)
        .callTimeout(readTimeout.plus(Duration.ofMillis(client.connectTimeoutMillis())))
        .build();
    return new AgentTransport(longer, credentials, maxBodyBytes);
  }

  /**
   * A call of {@code request} with the credentials put on it.
   *
   * @throws IllegalStateException if OkHttp refuses to build the request; its message is scrubbed of every
   *     secret and it has no cause, because OkHttp's own message quotes the refused header value whole
   */
  public Call newCall(Request.Builder request) {
    try {
      return client.newCall(credentials.authorize(request).build());
    } catch (RuntimeException e) {
      // Tokens are checked where they enter (Credentials.checkToken), so this is the second line: whatever
      // slipped through must not carry the token into a log or a health page through e's message or cause.
      IllegalStateException scrubbed = new IllegalStateException("the request to the Consul agent could not be"
          + " built (" + e.getClass().getSimpleName() + ": " + credentials.scrub(e.getMessage()) + ")");
      scrubbed.setStackTrace(e.getStackTrace());
      throw scrubbed;
    }
  }

  /** The OkHttp client calls go through (its dispatcher and pool are the caller's own). */
  public OkHttpClient client() {
    return client;
  }

  /** The credentials sent. */
  public Credentials credentials() {
    return credentials;
  }

  /** The cap on a response body, in bytes. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** {@code text} without any secret this transport sends; see {@link Credentials#scrub}. */
  public String scrub(String text) {
    return credentials.scrub(text);
  }

  /**
   * Reads the whole body of a successful response, refusing one over the cap before it is held in memory.
   *
   * @throws ResponseTooLargeException over the cap, with a message saying how to raise it or narrow the query
   * @throws IOException if the connection fails while reading
   */
  public byte[] readBody(Response response) throws IOException {
    ResponseBody body = response.body();
    if (body == null) {
      return new byte[0];
    }
    if (body.contentLength() > maxBodyBytes) {
      throw tooLarge(body.contentLength() + " bytes");
    }
    BufferedSource source = body.source();
    if (source.request(maxBodyBytes + 1)) {
      throw tooLarge("more than " + maxBodyBytes + " bytes");
    }
    return source.getBuffer().readByteArray();
  }

  /**
   * The body of a successful response as a stream, for a parser that reads while the body arrives; the stream
   * fails with {@link ResponseTooLargeException} as soon as the body passes the cap, so no more than the cap is read.
   *
   * @throws ResponseTooLargeException when the announced length is over the cap
   */
  public InputStream bodyStream(Response response) throws IOException {
    ResponseBody body = response.body();
    if (body == null) {
      return InputStream.nullInputStream();
    }
    if (body.contentLength() > maxBodyBytes) {
      throw tooLarge(body.contentLength() + " bytes");
    }
    long cap = maxBodyBytes;
    Source capped = new ForwardingSource(body.source()) {
      private long read;

      @Override
      public long read(Buffer sink, long byteCount) throws IOException {
        long n = super.read(sink, byteCount);
        if (n > 0 && (read += n) > cap) {
          throw tooLarge("more than " + cap + " bytes");
        }
        return n;
      }
    };
    return Okio.buffer(capped).inputStream();
  }

  private ResponseTooLargeException tooLarge(String size) {
    return new ResponseTooLargeException("the response body of " + size + " exceeds the limit of " + maxBodyBytes
        + " bytes (raise it with maxBodySize, or narrow the query with tags or a filter)");
  }

  /**
   * The start of an error response's text (at most 64 KiB), scrubbed of secrets: enough to quote Consul's reason
   * without holding a huge error page.
   */
  public String readErrorText(Response response) throws IOException {
    ResponseBody body = response.body();
    if (body == null) {
      return "";
    }
    BufferedSource source = body.source();
    source.request(ERROR_TEXT_LIMIT);
    long n = Math.min(ERROR_TEXT_LIMIT, source.getBuffer().size());
    return scrub(source.getBuffer().readString(n, StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "AgentTransport{" + credentials + ", maxBody=" + maxBodyBytes + "}";
  }
}
