package dev.discovery.consul;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * A client of one Consul agent's own API: register and deregister services, list them, toggle maintenance,
 * update TTL checks, and {@linkplain #register(ServiceRegistration) managed registrations} that keep their
 * TTL checks passing and survive agent restarts. Thread-safe; close it to stop heartbeats and release
 * connections.
 *
 * <p>Many agents (one per host, as the Mesos bridge needs) can share one connection pool, dispatcher and
 * heartbeat thread: build the others with {@link Builder#sharingConnectionsWith(ConsulAgent)}. Shared
 * resources are released when the last agent using them closes.
 *
 * <p>The ACL token travels in the {@code X-Consul-Token} header only; it never appears in a URL, a log line,
 * an exception message or {@link #toString()}. The same holds for HTTP basic credentials
 * ({@link Builder#basicAuth(String, String)}, for an agent behind an authenticating proxy).
 *
 * <pre>{@code
 * try (ConsulAgent agent = ConsulAgent.create(URI.create("http://127.0.0.1:8500"));
 *      Registration reg = agent.register(ServiceRegistration.builder("web").id("web-1")
 *          .address("10.0.0.5").port(8080).check(CheckDefinition.ttl(Duration.ofSeconds(10))).build())) {
 *   ... serve ...
 * }
 * }</pre>
 */
public final class ConsulAgent implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConsulAgent.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final RequestBody EMPTY = RequestBody.create(new byte[0], null);
  private static final long MAX_BODY = 32L * 1024 * 1024;

  private final URI uri;
  private final HttpUrl base;
  private final String token;
  private final String password;
  private final String authorization;
  private final Duration timeout;
  private final AgentConnections connections;
  private final OkHttpClient client;
  private final Set<ManagedRegistration> registrations = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private ConsulAgent(Builder b) {
    ConsulEnvironment env = b.environment;
    this.uri = b.uri != null ? b.uri : env.address();
    HttpUrl parsed = HttpUrl.get(uri);
    this.base = parsed;
    if (b.tokenSet) {
      this.token = b.token != null ? b.token : emptyToNull(ConsulEnvironment.readTokenFile(b.tokenFile));
    } else {
      this.token = env.token().orElse(null);
    }
    this.password = b.password;
    this.authorization = b.user == null ? null
        : okhttp3.Credentials.basic(b.user, b.password, StandardCharsets.UTF_8);
    this.timeout = b.timeout;
    this.connections = b.shareWith != null ? b.shareWith.connections.retain() : new AgentConnections();
    try {
      this.client = connections.client(timeout, b.tls != null ? b.tls : env.tls().orElse(null));
    } catch (RuntimeException e) {
      connections.release();
      throw e;
    }
  }

  /** Starts configuring an agent client. */
  public static Builder builder() {
    return new Builder();
  }

  /** A client of the agent at {@code uri} with no token and default settings (the environment is ignored). */
  public static ConsulAgent create(URI uri) {
    return builder().environment(ConsulEnvironment.none()).uri(uri).build();
  }

  /** The agent's address. */
  public URI uri() {
    return uri;
  }

  /**
   * Registers (or replaces, when the ID is taken) a service with this agent: {@code PUT
   * /v1/agent/service/register}. The agent accepts it at once; the catalog sees it after anti-entropy.
   *
   * @throws ConsulAgentException if the agent refuses it (the message carries Consul's reason) or cannot be reached
   */
  public void registerService(ServiceRegistration reg) {
    Objects.requireNonNull(reg, "registration");
    Reply r = execute(put(url("v1/agent/service/register"), AgentJson.registration(reg)),
        "register service '" + reg.id() + "'", reg.name());
    if (r.code != 200) {
      throw failure(r, "register service '" + reg.id() + "'", reg.name(), "service:write on '" + reg.name() + "'");
    }
  }

  /**
   * Removes a service (and its checks) from this agent: {@code PUT /v1/agent/service/deregister/:id}.
   *
   * @throws ConsulAgentException with {@link ConsulAgentException#notFound()} true if the agent has no such
   *     service ID (pass the ID, not the name), or for any other refusal
   */
  public void deregisterService(String serviceId) {
    ServiceRegistration.checkIdentifier(serviceId, "service id");
    String action = "deregister service '" + serviceId + "'";
    Reply r = execute(put(url("v1/agent/service/deregister", serviceId), null), action, serviceId);
    if (r.code == 404) {
      throw new ConsulAgentException(serviceId, describe(), 404, "consul agent " + uri + " has no service with ID '"
          + serviceId + "'; pass the service ID (not its name) as listed by services() (Consul: "
          + scrub(r.body) + ")", null);
    }
    if (r.code != 200) {
      throw failure(r, action, serviceId, "service:write on the service");
    }
  }

  /**
   * The services registered with this agent ({@code GET /v1/agent/services}), sorted by ID.
   *
   * @throws ConsulAgentException if the agent cannot be asked or answers something that is not Consul's format
   */
  public List<AgentService> services() {
    return readList("v1/agent/services", "list services", "service:read", AgentJson::services);
  }

  /**
   * The health checks registered with this agent ({@code GET /v1/agent/checks}), sorted by ID. A service in
   * maintenance mode has the check {@code _service_maintenance:<service ID>} here (see
   * {@link AgentCheck#serviceMaintenance()}); {@link #services()} does not show maintenance.
   *
   * @throws ConsulAgentException if the agent cannot be asked or answers something that is not Consul's format
   */
  public List<AgentCheck> checks() {
    return readList("v1/agent/checks", "list checks", "node:read and service:read", AgentJson::checks);
  }

  /** GETs one of the agent's own lists; {@code parse} refuses a body that is not Consul's format. */
  private <T> List<T> readList(String path, String action, String permission,
      java.util.function.Function<byte[], List<T>> parse) {
    Reply r = execute(new Request.Builder().url(url(path)).get(), action, null);
    if (r.code != 200) {
      throw failure(r, action, null, permission);
    }
    try {
      return parse.apply(r.bytes);
    } catch (IllegalArgumentException e) {
      throw new ConsulAgentException(null, describe(), 200, "consul agent " + uri
          + " answered GET /" + path + " with a body this client cannot use: " + e.getMessage(), e);
    }
  }

  /**
   * How many instances of {@code service} the catalog holds, whatever their health: {@code GET
   * /v1/catalog/service/:name}. Unlike an empty health answer, which may only mean that no instance passes its
   * checks, zero here means that no instance (with every one of {@code tags}) is registered at all.
   *
   * @param datacenter the datacenter to ask, or {@code null} for the agent's own
   * @param tags tags every counted instance must carry (Consul compares them case-insensitively); may be empty
   * @throws ConsulAgentException if the agent cannot be asked, refuses the token (needs {@code service:read}),
   *     knows no such datacenter, or answers something that is not Consul's format
   */
  public int catalogInstanceCount(String service, String datacenter, java.util.Collection<String> tags) {
    ServiceRegistration.checkIdentifier(service, "service name");
    HttpUrl.Builder u = url("v1/catalog/service", service).newBuilder();
    if (datacenter != null) {
      u.addQueryParameter("dc", ServiceRegistration.checkIdentifier(datacenter, "datacenter"));
    }
    for (String tag : tags) {
      u.addQueryParameter("tag", Objects.requireNonNull(tag, "tag"));
    }
    String action = "read the catalog entry of service '" + service + "'";
    Reply r = execute(new Request.Builder().url(u.build()).get(), action, service);
    if (r.code != 200) {
      throw failure(r, action, service, "service:read on '" + service + "'");
    }
    try {
      com.fasterxml.jackson.databind.JsonNode rows = AgentJson.MAPPER.readTree(r.bytes);
      if (rows == null || !rows.isArray()) {
        throw new IOException("expected a JSON array");
      }
      return rows.size();
    } catch (IOException e) {
      throw new ConsulAgentException(service, describe(), 200, "consul agent " + uri + " answered GET"
          + " /v1/catalog/service/" + service + " with a body this client cannot use: " + e.getMessage(), e);
    }
  }

  /**
   * Puts a service into maintenance (a critical check that hides it from healthy lookups) or takes it out:
   * {@code PUT /v1/agent/service/maintenance/:id?enable=&reason=}.
   *
   * @param reason shown in the maintenance check's notes; may be {@code null}
   */
  public void maintenance(String serviceId, boolean enable, String reason) {
    ServiceRegistration.checkIdentifier(serviceId, "service id");
    HttpUrl.Builder u = url("v1/agent/service/maintenance", serviceId).newBuilder()
        .addQueryParameter("enable", Boolean.toString(enable));
    if (reason != null && !reason.isEmpty()) {
      u.addQueryParameter("reason", reason);
    }
    String action = (enable ? "enable" : "disable") + " maintenance of service '" + serviceId + "'";
    Reply r = execute(put(u.build(), null), action, serviceId);
    if (r.code != 200) {
      throw failure(r, action, serviceId, "service:write on the service");
    }
  }

  /** Sets a TTL check to passing and restarts its TTL: {@code PUT /v1/agent/check/pass/:id}. */
  public void passTtl(String checkId, String note) {
    updateTtl("pass", checkId, note);
  }

  /** Sets a TTL check to warning and restarts its TTL: {@code PUT /v1/agent/check/warn/:id}. */
  public void warnTtl(String checkId, String note) {
    updateTtl("warn", checkId, note);
  }

  /** Sets a TTL check to critical and restarts its TTL: {@code PUT /v1/agent/check/fail/:id}. */
  public void failTtl(String checkId, String note) {
    updateTtl("fail", checkId, note);
  }

  private void updateTtl(String verb, String checkId, String note) {
    ServiceRegistration.checkIdentifier(checkId, "check id");
    String action = verb + " TTL check '" + checkId + "'";
    Reply r = execute(put(ttlUrl(verb, checkId, note), null), action, null);
    if (r.code != 200) {
      throw failure(r, action, null, "service:write (node:write for node checks)");
    }
  }

  /**
   * Registers a service and keeps it registered until the returned handle is closed: TTL checks start
   * passing and are passed again every third of their TTL; when a heartbeat finds the agent has forgotten
   * the service (it restarted, or someone deregistered it) the service is registered again. A service with
   * no TTL check is looked up every 30 s instead, with the same re-registration.
   *
   * @throws ConsulAgentException if the first registration fails
   */
  public Registration register(ServiceRegistration reg) {
    ensureOpen();
    ServiceRegistration live = ManagedRegistration.passingFromStart(reg);
    registerService(live);
    ManagedRegistration managed = new ManagedRegistration(this, reg, live, connections.scheduler);
    registrations.add(managed);
    managed.start();
    return managed;
  }

  // ---- asynchronous calls for heartbeats ----

  CompletableFuture<Reply> sendAsync(Request.Builder request) {
    CompletableFuture<Reply> result = new CompletableFuture<>();
    Call call;
    try {
      ensureOpen();
      call = client.newCall(authorize(request).build());
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return result;
    }
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        result.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call c, Response response) {
        try (response) {
          result.complete(read(response));
        } catch (IOException | RuntimeException e) {
          result.completeExceptionally(e);
        }
      }
    });
    return result;
  }

  HttpUrl ttlUrl(String verb, String checkId, String note) {
    HttpUrl.Builder u = url("v1/agent/check/" + verb, checkId).newBuilder();
    if (note != null && !note.isEmpty()) {
      u.addQueryParameter("note", note);
    }
    return u.build();
  }

  HttpUrl url(String path, String... segments) {
    HttpUrl.Builder u = base.newBuilder().addPathSegments(path);
    for (String s : segments) {
      u.addPathSegment(s);
    }
    return u.build();
  }

  static Request.Builder put(HttpUrl url, byte[] json) {
    return new Request.Builder().url(url).put(json == null ? EMPTY : RequestBody.create(json, JSON));
  }

  void forget(ManagedRegistration registration) {
    registrations.remove(registration);
  }

  /** The message for a failed reply; Consul's text is included with the token scrubbed out. */
  ConsulAgentException failure(Reply r, String action, String service, String permission) {
    String consul = scrub(r.body).strip();
    String text;
    if (r.code == 403) {
      text = "consul agent " + uri + " refused the ACL token to " + action + " (HTTP 403: " + consul
          + "); use a token with " + permission;
    } else if (r.code == 404) {
      text = "consul agent " + uri + " does not know what was asked to " + action + " (HTTP 404: " + consul
          + "); check the ID (not the name) is registered on this agent";
    } else {
      text = "consul agent " + uri + " failed to " + action + ": HTTP " + r.code
          + (consul.isEmpty() ? "" : " (" + consul + ")")
          + (r.code == 400 ? "; fix the request as Consul says" : "; retry later or check the agent's log");
    }
    return new ConsulAgentException(service, describe(), r.code, text, null);
  }

  /** Removes the token and basic credentials from text that came from the network, in case an agent echoes them. */
  String scrub(String text) {
    if (text == null) {
      return "";
    }
    String out = token == null || token.isEmpty() ? text : text.replace(token, "<token>");
    if (authorization != null) {
      out = out.replace(authorization.substring("Basic ".length()), "<credentials>");
      if (!password.isEmpty()) {
        out = out.replace(password, "<password>");
      }
    }
    return out;
  }

  String describe() {
    return "consul-agent " + uri;
  }

  private Reply execute(Request.Builder request, String action, String service) {
    ensureOpen();
    try (Response response = client.newCall(authorize(request).build()).execute()) {
      return read(response);
    } catch (IOException e) {
      if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
        Thread.currentThread().interrupt();
      }
      throw new ConsulAgentException(service, describe(), 0, "cannot reach consul agent " + uri + " to " + action
          + " (" + e.getClass().getSimpleName() + ": " + scrub(e.getMessage())
          + "); check that the agent is running and listening there", e);
    }
  }

  private Request.Builder authorize(Request.Builder request) {
    if (token != null) {
      request.header("X-Consul-Token", token);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request;
  }

  private static Reply read(Response response) throws IOException {
    ResponseBody body = response.body();
    if (body == null) {
      return new Reply(response.code(), new byte[0]);
    }
    BufferedSource source = body.source();
    if (source.request(MAX_BODY + 1)) {
      throw new IOException("the agent's response is larger than " + MAX_BODY + " bytes");
    }
    return new Reply(response.code(), source.getBuffer().readByteArray());
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this ConsulAgent for " + uri + " is closed");
    }
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * Stops every managed registration's heartbeats and deregisters them (best effort), then releases the
   * connections unless other agents still share them. Idempotent.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    for (ManagedRegistration r : new ArrayList<>(registrations)) {
      r.close();
    }
    closed.set(true);
    connections.release();
  }

  @Override
  public String toString() {
    return "ConsulAgent{" + uri + (token == null ? "" : ", token set")
        + (authorization == null ? "" : ", basic auth set") + "}";
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** A status and a fully read body. */
  static final class Reply {
    final int code;
    final byte[] bytes;
    final String body;

    Reply(int code, byte[] bytes) {
      this.code = code;
      this.bytes = bytes;
      this.body = new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** Configures a {@link ConsulAgent}. Defaults come from the {@code CONSUL_HTTP_*} environment. */
  public static final class Builder {
    private URI uri;
    private String token;
    private Path tokenFile;
    private boolean tokenSet;
    private String user;
    private String password;
    private Duration timeout = Duration.ofSeconds(10);
    private ConsulTls tls;
    private ConsulEnvironment environment = ConsulEnvironment.system();
    private ConsulAgent shareWith;

    private Builder() {}

    /** The agent's HTTP address. Default: {@code CONSUL_HTTP_ADDR}, else {@code http://127.0.0.1:8500}. */
    public Builder uri(URI uri) {
      Objects.requireNonNull(uri, "uri");
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new IllegalArgumentException("agent uri '" + uri
            + "' must be an http:// or https:// URL with a host, such as http://127.0.0.1:8500");
      }
      if (uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
        throw new IllegalArgumentException("agent uri must not carry user info or a query (pass the token with token(...))");
      }
      this.uri = uri;
      return this;
    }

    /** The ACL token (sent as {@code X-Consul-Token}). Default: from the environment. */
    public Builder token(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("token must not be blank (omit it to use the environment's)");
      }
      this.token = token.strip();
      this.tokenFile = null;
      this.tokenSet = true;
      return this;
    }

    /** A file holding the ACL token, read when the agent is built. */
    public Builder tokenFile(Path tokenFile) {
      this.tokenFile = Objects.requireNonNull(tokenFile, "tokenFile");
      this.token = null;
      this.tokenSet = true;
      return this;
    }

    /**
     * HTTP basic credentials sent with every request ({@code Authorization: Basic ...}), for an agent behind a
     * proxy that asks for them (Consul itself does not). They are sent in the clear unless the URI is
     * {@code https}; the ACL token, if any, still travels in {@code X-Consul-Token}. Default: none.
     *
     * @param user the user name: not empty, without {@code ':'} or control characters (RFC 7617)
     * @param password the password, possibly empty
     */
    public Builder basicAuth(String user, String password) {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      if (user.isEmpty() || user.indexOf(':') >= 0 || user.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("basic auth user name must be non-empty, without ':' or control"
            + " characters (RFC 7617); put everything after the first ':' in the password");
      }
      if (password.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("basic auth password must not contain control characters");
      }
      this.user = user;
      this.password = password;
      return this;
    }

    /** The time-out for connecting and for each read or write; a whole call gets twice that. Default 10 s. */
    public Builder timeout(Duration timeout) {
      this.timeout = CheckDefinition.positive(timeout, "timeout");
      return this;
    }

    /** HTTPS settings: the CA to trust and an optional client certificate. */
    public Builder tls(ConsulTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** Where the {@code CONSUL_HTTP_*} defaults come from. Default: the process environment. */
    public Builder environment(ConsulEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * Share {@code other}'s connection pool, dispatcher and heartbeat thread instead of creating new ones;
     * the token, time-out and TLS settings stay this builder's own.
     */
    public Builder sharingConnectionsWith(ConsulAgent other) {
      this.shareWith = Objects.requireNonNull(other, "other");
      return this;
    }

    /**
     * Builds the client. No request is sent.
     *
     * @throws IllegalArgumentException if the environment, token file or TLS files are unusable
     */
    public ConsulAgent build() {
      return new ConsulAgent(this);
    }
  }
}
