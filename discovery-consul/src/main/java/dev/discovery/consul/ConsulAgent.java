package dev.discovery.consul;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.discovery.consul.internal.AgentAddress;
import dev.discovery.internal.Checks;
import dev.discovery.consul.internal.AgentStatus;
import dev.discovery.consul.internal.AgentTransport;
import dev.discovery.consul.internal.ConsulIndex;
import dev.discovery.consul.internal.Credentials;
import dev.discovery.consul.internal.ResponseTooLargeException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

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
  /** The agent endpoints whose last path segment is a service or check ID. */
  private static final java.util.regex.Pattern ID_PATHS = java.util.regex.Pattern.compile(
      "/v1/agent/(service/(deregister|maintenance)/|service/(?!register$)|check/(pass|warn|fail|update)/)[^/]+$");

  private final URI uri;
  private final HttpUrl base;
  private final Duration timeout;
  private final AgentConnections connections;
  private final AgentTransport transport;
  private final Set<ManagedRegistration> registrations = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private ConsulAgent(Builder b) {
    ConsulEnvironment env = b.environment;
    this.uri = b.uri != null ? b.uri : AgentAddress.check(env.address());
    this.base = HttpUrl.get(uri);
    Credentials credentials = Credentials.of(
        Credentials.resolveToken(b.tokenSet, b.token, b.tokenFile, env), b.user, b.password);
    this.timeout = b.timeout;
    this.connections = b.shareWith != null ? b.shareWith.connections.retain() : new AgentConnections();
    try {
      this.transport = AgentTransport.create(connections.base, b.tls != null ? b.tls : env.tls().orElse(null),
          credentials, timeout, timeout, b.maxBodyBytes);
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
      Function<byte[], List<T>> parse) {
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
   * The services the catalog of {@code datacenter} knows, with the tags of their instances:
   * {@code GET /v1/catalog/services}. A service is listed while any instance of it is registered, whatever its
   * health, so {@link ServiceCatalog#contains} tells an unknown service from one that only has no passing instance
   * (an empty health answer means either).
   *
   * @param datacenter the datacenter to ask, or {@code null} for the agent's own
   * @throws ConsulAgentException if the agent cannot be asked, refuses the token (it needs {@code service:read};
   *     services the token may not read are left out, as Consul does), knows no such datacenter, or answers
   *     something that is not Consul's format
   */
  public ServiceCatalog catalogServices(String datacenter) {
    return readCatalog(datacenter, 0, null);
  }

  /**
   * {@link #catalogServices(String)} as a blocking query: the agent holds the request until the catalog's index
   * passes {@code index} or {@code wait} runs out (Consul adds up to {@code wait/16} of jitter), and answers with
   * the catalog then. Pass the {@link ServiceCatalog#index()} of the last answer; 0 answers at once. Blocks the
   * calling thread for up to {@code wait} plus this client's time-out.
   *
   * @param wait how long the agent may hold the request: 1 s to 10 min
   * @throws ConsulAgentException as {@link #catalogServices(String)} does
   */
  public ServiceCatalog catalogServices(String datacenter, long index, Duration wait) {
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative, was " + index);
    }
    Objects.requireNonNull(wait, "wait");
    if (wait.compareTo(Duration.ofSeconds(1)) < 0 || wait.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("wait must be between 1 s and 10 min (Consul's cap), was " + wait);
    }
    return readCatalog(datacenter, index, wait);
  }

  private ServiceCatalog readCatalog(String datacenter, long index, Duration wait) {
    HttpUrl.Builder u = url("v1/catalog/services").newBuilder();
    if (datacenter != null) {
      u.addQueryParameter("dc", ServiceRegistration.checkIdentifier(datacenter, "datacenter"));
    }
    AgentTransport via = transport;
    if (index > 0) {
      u.addQueryParameter("index", Long.toString(index));
      // Go's duration syntax, as Consul parses it; the read time-out outlasts the wait and Consul's jitter.
      u.addQueryParameter("wait", wait.toMillis() + "ms");
      via = transport.withReadTimeout(wait.plus(wait.dividedBy(16)).plus(timeout));
    }
    String action = "list the services of the catalog" + (datacenter == null ? "" : " of datacenter '" + datacenter + "'");
    Reply r = execute(via, new Request.Builder().url(u.build()).get(), action, null);
    if (r.code != 200) {
      throw failure(r, action, null, "service:read");
    }
    try {
      Map<String, Set<String>> services = AgentJson.catalogServices(r.bytes);
      return new ServiceCatalog(ConsulIndex.next(index, r.consulIndex), services);
    } catch (IllegalArgumentException e) {
      throw new ConsulAgentException(null, describe(), 200, "consul agent " + uri
          + " answered GET /v1/catalog/services with a body this client cannot use: " + e.getMessage(), e);
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
      call = transport.newCall(request);
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
          result.complete(read(transport, response));
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

  /**
   * The message for a failed reply: what was being done, the request that failed, the status, Consul's text
   * (scrubbed of secrets and cut to one readable line) and a hint that fits this status for this request.
   */
  ConsulAgentException failure(Reply r, String action, String service, String permission) {
    String consul = AgentStatus.quote(scrub(r.body));
    String head = "consul agent " + uri + " answered " + r.request + " (to " + action + ") with HTTP " + r.code
        + (consul.isEmpty() ? "" : ": " + consul) + "; ";
    String hint;
    if (r.code == 401) {
      // Consul never answers 401 (a refused token is 403): a proxy in front of the agent wants basic credentials.
      hint = transport.credentials().hasBasicAuth()
          ? "Consul itself never answers 401, so a proxy in front of the agent refused the HTTP basic credentials:"
              + " check the user and password"
          : "Consul itself never answers 401, so a proxy in front of the agent requires HTTP basic authentication:"
              + " set basic credentials (user and password) on this client";
      return new ConsulAgentException(service, describe(), r.code, head + hint, null);
    }
    switch (AgentStatus.of(r.code, r.body)) {
      case TOKEN_REFUSED:
        hint = transport.credentials().hasToken() ? "it refused the ACL token: use a token with " + permission
            : "no ACL token was sent, and the anonymous token lacks " + permission + ": give this client a token"
                + " with it";
        break;
      case NOT_FOUND:
        // A 404 on a request naming an ID means the ID is unknown; on a listing, the endpoint itself is.
        hint = r.namesAnId
            ? "check the ID (not the name) is registered on this agent"
            : "this agent does not serve that endpoint: it may be older than the API this client uses, or the"
                + " address may not be a Consul agent's HTTP API (port 8500, without an extra path)";
        break;
      case BAD_REQUEST:
        hint = "fix the request as Consul says";
        break;
      case UNKNOWN_DATACENTER:
        hint = "check the datacenter name";
        break;
      case RATE_LIMITED:
        hint = "too many requests or connections from this host (limits.http_max_conns_per_client), retry later";
        break;
      default:
        hint = "retry later or check the agent's log";
        break;
    }
    return new ConsulAgentException(service, describe(), r.code, head + hint, null);
  }

  /** Removes the token and basic credentials from text that came from the network, in case an agent echoes them. */
  String scrub(String text) {
    return transport.scrub(text);
  }

  String describe() {
    return "consul-agent " + uri;
  }

  private Reply execute(Request.Builder request, String action, String service) {
    return execute(transport, request, action, service);
  }

  private Reply execute(AgentTransport via, Request.Builder request, String action, String service) {
    ensureOpen();
    try (Response response = via.newCall(request).execute()) {
      return read(via, response);
    } catch (ResponseTooLargeException e) {
      throw new ConsulAgentException(service, describe(), 200, "consul agent " + uri + " answered a request to "
          + action + " with a body this client refuses: " + e.getMessage(), e);
    } catch (IOException e) {
      if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
        Thread.currentThread().interrupt();
      }
      if (tlsFailure(e)) {
        // The agent's port answered, but TLS did not get through: "is it running" is the wrong question.
        throw new ConsulAgentException(service, describe(), 0, "TLS with consul agent " + uri + " failed, so it"
            + " was not asked to " + action + " (" + e.getClass().getSimpleName() + ": " + scrub(e.getMessage())
            + "); check the CA this client trusts for the agent's certificate (ConsulTls, CONSUL_CACERT) and the"
            + " scheme: https:// only for the agent's HTTPS port", e);
      }
      throw new ConsulAgentException(service, describe(), 0, "cannot reach consul agent " + uri + " to " + action
          + " (" + e.getClass().getSimpleName() + ": " + scrub(e.getMessage())
          + "); check that the agent is running and listening there", e);
    }
  }

  /** Whether the call failed in TLS (handshake, certificate, or TLS spoken to a plain HTTP port). */
  static boolean tlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }

  /** A successful body is read whole (up to the cap); an error body only as far as needed to quote Consul. */
  private static Reply read(AgentTransport via, Response response) throws IOException {
    String index = response.header("X-Consul-Index");
    Request request = response.request();
    String named = request.method() + " " + request.url().encodedPath();
    // Every call that names a service or check puts its ID in the last path segment after the verb.
    boolean namesAnId = ID_PATHS.matcher(request.url().encodedPath()).find();
    if (response.isSuccessful()) {
      return new Reply(response.code(), via.readBody(response), index, named, namesAnId);
    }
    return new Reply(response.code(), via.readErrorText(response).getBytes(StandardCharsets.UTF_8), index, named,
        namesAnId);
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
    Credentials c = transport.credentials();
    return "ConsulAgent{" + uri + (c.hasToken() ? ", token set" : "") + (c.hasBasicAuth() ? ", basic auth set" : "")
        + "}";
  }

  /** A status and a fully read body. */
  static final class Reply {
    final int code;
    final byte[] bytes;
    final String body;
    final String consulIndex;
    /** The request as a person reads it: {@code GET /v1/agent/checks} (no query: it may carry a note). */
    final String request;
    /** Whether the request names a service or check ID, so that a 404 means "no such ID". */
    final boolean namesAnId;

    Reply(int code, byte[] bytes, String consulIndex, String request, boolean namesAnId) {
      this.code = code;
      this.bytes = bytes;
      this.body = new String(bytes, StandardCharsets.UTF_8);
      this.consulIndex = consulIndex;
      this.request = request;
      this.namesAnId = namesAnId;
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
    private long maxBodyBytes = AgentTransport.DEFAULT_MAX_BODY_BYTES;
    private ConsulTls tls;
    private ConsulEnvironment environment = ConsulEnvironment.system();
    private ConsulAgent shareWith;

    private Builder() {}

    /** The agent's HTTP address. Default: {@code CONSUL_HTTP_ADDR}, else {@code http://127.0.0.1:8500}. */
    public Builder uri(URI uri) {
      this.uri = AgentAddress.check(Objects.requireNonNull(uri, "uri"));
      return this;
    }

    /** The ACL token (sent as {@code X-Consul-Token}). Default: from the environment. */
    public Builder token(String token) {
      this.token = Credentials.checkToken(token);
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
      Credentials.checkBasicAuth(user, password);
      this.user = user;
      this.password = password;
      return this;
    }

    /** The time-out for connecting and for each read or write; a whole call gets twice that. Default 10 s. */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    /** The largest response body accepted; a bigger one is refused with a clear error. Default 64 MiB. */
    public Builder maxBodySize(long bytes) {
      this.maxBodyBytes = AgentTransport.checkMaxBody(bytes);
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
