package dev.discovery.consul.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Consul's HTTP API subset: routing, parameters, ACLs, blocking queries and error texts. */
final class HttpApi implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
  static final Duration MAX_WAIT = Duration.ofMinutes(10);
  private static final int MAX_BODY = 1 << 20;
  private static final String TEXT = "text/plain; charset=utf-8";

  private final AgentState state;
  private final Datacenters datacenters;
  private final Faults faults;
  private final BooleanSupplier stopping;

  HttpApi(Datacenters datacenters, Faults faults, BooleanSupplier stopping) {
    this.state = datacenters.local();
    this.datacenters = datacenters;
    this.faults = faults;
    this.stopping = stopping;
  }

  /** What a request's token allows. */
  private enum Caller { ALLOWED, ANONYMOUS }

  @Override
  public void handle(HttpExchange ex) {
    try {
      String path = ex.getRequestURI().getPath();
      faults.count(path);
      if (faults.dropping() || stopping.getAsBoolean()) {
        drop(ex);
        return;
      }
      Faults.Failure failure = faults.takeFailure();
      if (failure != null) {
        sendText(ex, failure.status(), failure.body());
        return;
      }
      Duration delay = faults.delay();
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis());
        if (faults.dropping() || stopping.getAsBoolean()) {
          drop(ex);
          return;
        }
      }
      QueryParams params = QueryParams.parse(ex.getRequestURI().getRawQuery());
      datacenters.count(params.get("dc"), path);
      route(ex, path, params);
    } catch (ApiException e) {
      sendText(ex, e.status(), e.getMessage());
    } catch (Store.Aborted e) {
      drop(ex);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drop(ex);
    } catch (RuntimeException e) {
      log.warn("unexpected error serving {}", ex.getRequestURI().getPath(), e);
      sendText(ex, 500, e.toString());
    }
  }

  private void route(HttpExchange ex, String path, QueryParams q) {
    String method = ex.getRequestMethod();
    if (path.indexOf('\n') >= 0) {
      throw new ApiException(400, "Invalid URL path: contains a linefeed");
    }
    if (path.startsWith("/v1/health/service/")) {
      requireMethod(ex, "GET");
      healthService(ex, path.substring("/v1/health/service/".length()), q);
    } else if (path.startsWith("/v1/health/state/")) {
      requireMethod(ex, "GET");
      healthState(ex, path.substring("/v1/health/state/".length()), q);
    } else if (path.equals("/v1/catalog/services")) {
      requireMethod(ex, "GET");
      catalogServices(ex, q);
    } else if (path.startsWith("/v1/catalog/service/")) {
      requireMethod(ex, "GET");
      catalogService(ex, path.substring("/v1/catalog/service/".length()), q);
    } else if (path.equals("/v1/catalog/register")) {
      requireMethod(ex, "PUT");
      catalogRegister(ex, q);
    } else if (path.equals("/v1/catalog/datacenters")) {
      requireMethod(ex, "GET");
      ArrayNode dcs = JsonNodeFactory.instance.arrayNode();
      datacenters.names().forEach(dcs::add);
      sendJson(ex, dcs, q, null);
    } else if (path.equals("/v1/query")) {
      preparedQueries(ex, q);
    } else if (path.startsWith("/v1/query/")) {
      preparedQuery(ex, path.substring("/v1/query/".length()), q);
    } else if (path.equals("/v1/agent/service/register")) {
      requireMethod(ex, "PUT");
      agentRegister(ex, q);
    } else if (path.startsWith("/v1/agent/service/deregister/")) {
      requireMethod(ex, "PUT");
      agentDeregister(ex, path.substring("/v1/agent/service/deregister/".length()), q);
    } else if (path.startsWith("/v1/agent/service/maintenance/")) {
      requireMethod(ex, "PUT");
      agentMaintenance(ex, path.substring("/v1/agent/service/maintenance/".length()), q);
    } else if (path.equals("/v1/agent/services")) {
      requireMethod(ex, "GET");
      agentServices(ex, q);
    } else if (path.equals("/v1/agent/checks")) {
      requireMethod(ex, "GET");
      agentChecks(ex, q);
    } else if (path.startsWith("/v1/agent/check/")) {
      requireMethod(ex, "PUT");
      agentCheckUpdate(ex, path.substring("/v1/agent/check/".length()), q);
    } else if (path.equals("/v1/agent/self")) {
      requireMethod(ex, "GET");
      agentSelf(ex, q);
    } else if (path.equals("/v1/status/leader")) {
      requireMethod(ex, "GET");
      sendJson(ex, JsonNodeFactory.instance.textNode(state.config().nodeAddress() + ":8300"), q, null);
    } else if (path.equals("/v1/status/peers")) {
      requireMethod(ex, "GET");
      sendJson(ex, JsonNodeFactory.instance.arrayNode().add(state.config().nodeAddress() + ":8300"), q, null);
    } else {
      throw new ApiException(404, "Invalid URL path: not a recognized HTTP API endpoint");
    }
  }

  private static void requireMethod(HttpExchange ex, String allowed) {
    String method = ex.getRequestMethod();
    if (method.equals(allowed)) {
      return;
    }
    ex.getResponseHeaders().set("Allow", "OPTIONS," + allowed);
    if (method.equals("OPTIONS")) {
      throw new ApiException(200, "");
    }
    throw new ApiException(405, "method " + method + " not allowed");
  }

  // ---- health and catalog reads ----

  private void healthService(HttpExchange ex, String service, QueryParams q) {
    if (service.isEmpty()) {
      throw new ApiException(400, "Missing service name");
    }
    Caller caller = authorize(ex, q);
    Blocking blocking = blocking(q);
    AgentState dc = datacenters.resolve(q.get("dc"));
    Store store = dc.store();
    Boolean passing = q.bool("passing");
    if (passing == null) {
      throw new ApiException(400, "Invalid value for ?passing");
    }
    List<String> tags = q.all("tag");
    List<String[]> nodeMeta = nodeMeta(q);
    Filter filter = Filter.parse(q.get("filter"));
    Store.Indexed<List<HealthEntry>> result = store.block(blocking.index, blocking.timeoutNanos, () -> {
      List<HealthEntry> rows = new ArrayList<>();
      if (caller == Caller.ALLOWED) {
        for (HealthEntry e : store.healthLocked(service)) {
          if (hasAllTags(e.service(), tags) && matchesNodeMeta(e.node(), nodeMeta) && filter.matches(e)) {
            rows.add(e);
          }
        }
      }
      return new Store.Indexed<>(rows, store.serviceIndexLocked(service));
    }, this::aborting);
    // Consul applies ?passing on the agent after the RPC, so the index stays the service's index.
    List<HealthEntry> rows = result.value();
    if (passing) {
      rows.removeIf(e -> !e.allPassing());
    }
    String near = q.get("near");
    if (near != null && !near.isEmpty()) {
      // Consul's parseSource: "_agent" is the agent's own node; then the servers sort by distance from it.
      String source = near.equals("_agent") ? state.config().nodeName() : near;
      rows = dc.coordinates().sortNear(source, store.node(source) != null, rows);
    }
    sendJson(ex, JsonViews.health(rows), q, result.index());
  }

  /**
   * {@code GET /v1/health/state/:state} as Consul's {@code HealthChecksInState} and state store's
   * {@code checksInStateTxn}: every check of the datacenter in that state ({@code any}: all of them), node-level
   * ones included; the index is the checks table's (any check written or deleted anywhere, and every service
   * deregistration, moves it), blocking as every read does; an unknown state matches nothing ({@code []}); an
   * empty one is 400 {@code Missing check state}. {@code node-meta} narrows the answer, not the index. Consul's
   * {@code filter} on checks is not imitated: the testkit says so with a 400 rather than ignore it.
   */
  private void healthState(HttpExchange ex, String checkState, QueryParams q) {
    if (checkState.isEmpty()) {
      throw new ApiException(400, "Missing check state");
    }
    Caller caller = authorize(ex, q);
    Blocking blocking = blocking(q);
    AgentState dc = datacenters.resolve(q.get("dc")); // 500 No path to datacenter for an unknown one
    List<String[]> nodeMeta = nodeMeta(q);
    if (q.get("filter") != null && !q.get("filter").isEmpty()) {
      throw new ApiException(400, "the testkit does not imitate ?filter on /v1/health/state");
    }
    Store store = dc.store();
    Store.Indexed<ArrayNode> result = store.block(blocking.index, blocking.timeoutNanos, () -> {
      ArrayNode rows = JsonNodeFactory.instance.arrayNode();
      if (caller == Caller.ALLOWED) {
        Map<String, NodeEntry> nodes = store.nodesLocked();
        for (CheckEntry c : store.checksLocked()) {
          if ((checkState.equals("any") || checkState.equals(c.status()))
              && matchesNodeMeta(nodes.get(c.node()), nodeMeta)) {
            rows.add(JsonViews.check(c));
          }
        }
      }
      return new Store.Indexed<>(rows, store.checksIndexLocked());
    }, this::aborting);
    sendJson(ex, result.value(), q, result.index());
  }

  private void catalogService(HttpExchange ex, String service, QueryParams q) {
    if (service.isEmpty()) {
      throw new ApiException(400, "Missing service name");
    }
    Caller caller = authorize(ex, q);
    Blocking blocking = blocking(q);
    Store store = datacenters.resolve(q.get("dc")).store();
    List<String> tags = q.all("tag");
    List<String[]> nodeMeta = nodeMeta(q);
    Filter filter = Filter.parse(q.get("filter"));
    Store.Indexed<ArrayNode> result = store.block(blocking.index, blocking.timeoutNanos, () -> {
      ArrayNode rows = JsonNodeFactory.instance.arrayNode();
      if (caller == Caller.ALLOWED) {
        for (HealthEntry e : store.healthLocked(service)) {
          if (hasAllTags(e.service(), tags) && matchesNodeMeta(e.node(), nodeMeta) && filter.matches(e)) {
            rows.add(JsonViews.catalogService(e.node(), e.service()));
          }
        }
      }
      return new Store.Indexed<>(rows, store.serviceIndexLocked(service));
    }, this::aborting);
    ex.getResponseHeaders().set("X-Consul-Effective-Consistency", consistency(q));
    sendJson(ex, result.value(), q, result.index());
  }

  private void catalogServices(HttpExchange ex, QueryParams q) {
    Caller caller = authorize(ex, q);
    Blocking blocking = blocking(q);
    Store store = datacenters.resolve(q.get("dc")).store();
    List<String[]> nodeMeta = nodeMeta(q);
    Store.Indexed<ObjectNode> result = store.block(blocking.index, blocking.timeoutNanos, () -> {
      Map<String, Set<String>> tags = new TreeMap<>();
      if (caller == Caller.ALLOWED) {
        if (nodeMeta.isEmpty()) {
          tags = store.serviceTagsLocked();
        } else {
          for (Map.Entry<String, Set<String>> e : store.serviceTagsLocked().entrySet()) {
            for (HealthEntry h : store.healthLocked(e.getKey())) {
              if (matchesNodeMeta(h.node(), nodeMeta)) {
                tags.computeIfAbsent(e.getKey(), k -> new java.util.LinkedHashSet<>()).addAll(h.service().tags());
              }
            }
          }
        }
      }
      return new Store.Indexed<>(JsonViews.catalogServices(tags), store.servicesIndexLocked());
    }, this::aborting);
    ex.getResponseHeaders().set("X-Consul-Effective-Consistency", consistency(q));
    sendJson(ex, result.value(), q, result.index());
  }

  // ---- prepared queries (api-docs/query.mdx; agent/prepared_query_endpoint.go) ----

  /** {@code /v1/query}: POST creates (answers {@code {"ID": ...}}), GET lists; neither blocks. */
  private void preparedQueries(HttpExchange ex, QueryParams q) {
    String method = ex.getRequestMethod();
    if (!method.equals("GET") && !method.equals("POST")) {
      ex.getResponseHeaders().set("Allow", "OPTIONS,GET,POST");
      throw new ApiException(method.equals("OPTIONS") ? 200 : 405,
          method.equals("OPTIONS") ? "" : "method " + method + " not allowed");
    }
    Caller caller = authorize(ex, q);
    AgentState dc = datacenters.resolve(q.get("dc"));
    if (method.equals("POST")) {
      PreparedQuery query = PreparedQuery.parse(Payloads.parse(readBody(ex)), PreparedQueries.newId(),
          dc.store().index());
      denyAnonymous(caller, "query:write", query.name());
      dc.queries().create(query);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      out.put("ID", query.id());
      sendJson(ex, out, q, null);
      return;
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    if (caller == Caller.ALLOWED) {
      dc.queries().list().forEach(p -> out.add(p.toJson()));
    }
    sendJson(ex, out, q, dc.store().index());
  }

  /** {@code /v1/query/:id} (GET, DELETE) and {@code /v1/query/:id-or-name/execute} (GET). */
  private void preparedQuery(HttpExchange ex, String rest, QueryParams q) {
    String method = ex.getRequestMethod();
    if (rest.endsWith("/execute")) {
      requireMethod(ex, "GET");
      execute(ex, rest.substring(0, rest.length() - "/execute".length()), q);
      return;
    }
    if (!method.equals("GET") && !method.equals("DELETE")) {
      ex.getResponseHeaders().set("Allow", "OPTIONS,GET,DELETE");
      throw new ApiException(method.equals("OPTIONS") ? 200 : 405,
          method.equals("OPTIONS") ? "" : "method " + method + " not allowed");
    }
    Caller caller = authorize(ex, q);
    AgentState dc = datacenters.resolve(q.get("dc"));
    PreparedQuery query = dc.queries().resolve(rest);
    if (method.equals("DELETE")) {
      denyAnonymous(caller, "query:write", rest);
      if (query == null || !query.id().equals(rest) || !dc.queries().delete(rest)) {
        throw new ApiException(500, "Cannot modify non-existent prepared query: '" + rest + "'");
      }
      sendEmpty(ex);
      return;
    }
    if (query == null || !query.id().equals(rest)) {
      throw new ApiException(404, PreparedQueries.NOT_FOUND); // GET reads by ID only
    }
    sendJson(ex, JsonNodeFactory.instance.arrayNode().add(query.toJson()), q, dc.store().index());
  }

  /**
   * Executes a prepared query, failover included. Not a blocking query (query.mdx: "Blocking Queries: NO"): index and
   * wait are ignored and the answer is immediate; Consul sets no index on it, so {@code X-Consul-Index} is 1
   * ({@code setIndex} turns 0 into 1). An unknown query is 404 {@code Query not found}.
   */
  private void execute(HttpExchange ex, String idOrName, QueryParams q) {
    Caller caller = authorize(ex, q);
    AgentState dc = datacenters.resolve(q.get("dc"));
    int limit = 0;
    String rawLimit = q.get("limit");
    if (rawLimit != null && !rawLimit.isEmpty()) {
      try {
        limit = Integer.parseInt(rawLimit);
      } catch (NumberFormatException e) {
        throw new ApiException(500, "Bad limit: strconv.Atoi: parsing \"" + rawLimit + "\": invalid syntax");
      }
    }
    PreparedQueries.Execution run = PreparedQueries.execute(datacenters, dc, idOrName, limit);
    if (run == null) {
      throw new ApiException(404, PreparedQueries.NOT_FOUND);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("Service", run.query().service());
    // Anonymous callers under a deny policy see the nodes filtered away, as reads are.
    out.set("Nodes", JsonViews.health(caller == Caller.ALLOWED ? run.nodes() : List.of()));
    out.set("DNS", run.query().dnsJson());
    out.put("Datacenter", run.datacenter());
    out.put("Failovers", run.failovers());
    sendJson(ex, out, q, 1L);
  }

  private static String consistency(QueryParams q) {
    if (q.has("consistent")) {
      return "consistent";
    }
    return q.has("stale") ? "stale" : "leader";
  }

  private boolean aborting() {
    return faults.dropping() || stopping.getAsBoolean();
  }

  private static boolean hasAllTags(ServiceEntry s, List<String> tags) {
    for (String tag : tags) {
      if (!s.hasTagIgnoreCase(tag)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Consul's parseMetaFilter ({@code agent/http.go}): each {@code node-meta=key:value} split at the first colon
   * (no colon: value ""), into a map, so a repeated key keeps its last value; every pair must match.
   */
  private static List<String[]> nodeMeta(QueryParams q) {
    Map<String, String> pairs = new java.util.LinkedHashMap<>();
    for (String kv : q.all("node-meta")) {
      int colon = kv.indexOf(':');
      pairs.put(colon < 0 ? kv : kv.substring(0, colon), colon < 0 ? "" : kv.substring(colon + 1));
    }
    List<String[]> out = new ArrayList<>();
    pairs.forEach((k, v) -> out.add(new String[] {k, v}));
    return out;
  }

  private static boolean matchesNodeMeta(NodeEntry node, List<String[]> wanted) {
    for (String[] kv : wanted) {
      if (node.meta() == null || !kv[1].equals(node.meta().get(kv[0]))) {
        return false;
      }
    }
    return true;
  }

  record Blocking(long index, long timeoutNanos) {}

  /** Consul's parseWait plus RPCQueryTimeout: default 5m, at most 10m, plus up to wait/16 of jitter. */
  static Blocking blocking(QueryParams q) {
    if (q.has("stale") && q.has("consistent")) {
      throw new ApiException(400, "Cannot specify ?stale with ?consistent, conflicting semantics.");
    }
    if (q.has("cached") && q.has("consistent")) {
      throw new ApiException(400, "Cannot specify ?cached with ?consistent, conflicting semantics.");
    }
    long index = 0;
    String rawIndex = q.get("index");
    if (rawIndex != null && !rawIndex.isEmpty()) {
      try {
        index = Long.parseUnsignedLong(rawIndex);
      } catch (NumberFormatException e) {
        throw new ApiException(400, "Invalid index");
      }
    }
    Duration wait = Duration.ZERO;
    String rawWait = q.get("wait");
    if (rawWait != null && !rawWait.isEmpty()) {
      try {
        wait = GoDuration.parse(rawWait);
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "Invalid wait time");
      }
    }
    if (wait.compareTo(MAX_WAIT) > 0) {
      wait = MAX_WAIT;
    } else if (wait.isZero() || wait.isNegative()) {
      wait = DEFAULT_WAIT;
    }
    long nanos = wait.toNanos();
    long jitter = nanos / 16 > 0 ? ThreadLocalRandom.current().nextLong(nanos / 16) : 0;
    return new Blocking(index, nanos + jitter);
  }

  // ---- writes ----

  private void agentRegister(HttpExchange ex, QueryParams q) {
    Caller caller = authorize(ex, q);
    JsonNode body = Payloads.parse(readBody(ex));
    ServiceRegistration reg = Payloads.serviceRegistration(body);
    denyAnonymous(caller, "service:write", reg.name());
    Boolean replace = q.bool("replace-existing-checks");
    state.registerService(reg, replace != null && replace);
    sendEmpty(ex);
  }

  private void catalogRegister(HttpExchange ex, QueryParams q) {
    Caller caller = authorize(ex, q);
    Payloads.CatalogRegistration reg = Payloads.catalogRegistration(Payloads.parse(readBody(ex)),
        state.config().datacenter());
    denyAnonymous(caller, "node:write", reg.node().name());
    // Consul forwards a write for another datacenter to that datacenter's servers.
    datacenters.resolve(reg.node().datacenter()).catalogRegister(reg);
    sendJson(ex, JsonNodeFactory.instance.booleanNode(true), q, null);
  }

  private void agentDeregister(HttpExchange ex, String serviceId, QueryParams q) {
    Caller caller = authorize(ex, q);
    ServiceEntry service = state.store().service(state.config().nodeName(), serviceId);
    if (service == null) {
      throw AgentState.unknownService(serviceId);
    }
    denyAnonymous(caller, "service:write", service.name());
    state.deregisterService(serviceId);
    sendEmpty(ex);
  }

  private void agentMaintenance(HttpExchange ex, String serviceId, QueryParams q) {
    Caller caller = authorize(ex, q);
    if (serviceId.isEmpty()) {
      throw new ApiException(400, "Missing service ID");
    }
    if (!q.has("enable")) {
      throw new ApiException(400, "Missing value for enable");
    }
    Boolean enable = q.bool("enable");
    if (enable == null || q.get("enable").isEmpty()) {
      throw new ApiException(400, "Invalid value for enable: \"" + q.get("enable") + "\"");
    }
    ServiceEntry service = state.store().service(state.config().nodeName(), serviceId);
    if (service == null) {
      throw AgentState.unknownService(serviceId);
    }
    denyAnonymous(caller, "service:write", service.name());
    state.serviceMaintenance(serviceId, enable, q.get("reason"));
    sendEmpty(ex);
  }

  private void agentCheckUpdate(HttpExchange ex, String rest, QueryParams q) {
    Caller caller = authorize(ex, q);
    int slash = rest.indexOf('/');
    String verb = slash < 0 ? rest : rest.substring(0, slash);
    String checkId = slash < 0 ? "" : rest.substring(slash + 1);
    String status;
    String output = q.get("note") == null ? "" : q.get("note");
    switch (verb) {
      case "pass": status = CheckEntry.PASSING; break;
      case "warn": status = CheckEntry.WARNING; break;
      case "fail": status = CheckEntry.CRITICAL; break;
      case "update": {
        JsonNode body = Payloads.parse(readBody(ex));
        status = Payloads.text(body, "Status");
        output = Payloads.text(body, "Output");
        if (!CheckEntry.validStatus(status)) {
          throw new ApiException(400, "Invalid check status: '" + status + "'");
        }
        break;
      }
      default:
        throw new ApiException(404, "Invalid URL path: not a recognized HTTP API endpoint");
    }
    CheckEntry check = state.store().check(state.config().nodeName(), checkId);
    if (check == null) {
      throw AgentState.unknownCheck(checkId);
    }
    denyAnonymous(caller, "service:write", check.serviceName().isEmpty() ? checkId : check.serviceName());
    state.updateTtlCheck(checkId, status, output);
    sendEmpty(ex);
  }

  // ---- agent reads ----

  private void agentServices(HttpExchange ex, QueryParams q) {
    Caller caller = authorize(ex, q);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (caller == Caller.ALLOWED) {
      for (ServiceEntry s : state.store().servicesOn(state.config().nodeName())) {
        if (!s.id().equals("consul")) {
          out.set(s.id(), JsonViews.agentService(s, state.config().datacenter()));
        }
      }
    }
    sendJson(ex, out, q, null);
  }

  private void agentChecks(HttpExchange ex, QueryParams q) {
    Caller caller = authorize(ex, q);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (caller == Caller.ALLOWED) {
      for (CheckEntry c : state.store().checksOn(state.config().nodeName())) {
        if (!c.checkId().equals(AgentState.SERF_CHECK)) {
          out.set(c.checkId(), JsonViews.check(c));
        }
      }
    }
    sendJson(ex, out, q, null);
  }

  private void agentSelf(HttpExchange ex, QueryParams q) {
    Caller caller = authorize(ex, q);
    denyAnonymous(caller, "agent:read", state.config().nodeName());
    AgentConfig c = state.config();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ObjectNode config = out.putObject("Config");
    config.put("Datacenter", c.datacenter());
    config.put("NodeName", c.nodeName());
    config.put("Server", true);
    config.put("Version", "1.15.0-testkit");
    ObjectNode member = out.putObject("Member");
    member.put("Name", c.nodeName());
    member.put("Addr", c.nodeAddress());
    member.put("Port", 8301);
    member.put("Status", 1);
    sendJson(ex, out, q, null);
  }

  // ---- ACL ----

  /**
   * Resolves the request's token the way Consul does ({@code ?token}, then {@code X-Consul-Token}, then
   * {@code Authorization: Bearer}). An unknown token fails with 403 "ACL not found"; no token means anonymous.
   */
  private Caller authorize(HttpExchange ex, QueryParams q) {
    ex.getResponseHeaders().set("X-Consul-Default-ACL-Policy", state.config().aclEnabled() ? "deny" : "allow");
    if (!state.config().aclEnabled()) {
      return Caller.ALLOWED;
    }
    String token = q.get("token");
    if (token == null || token.isEmpty()) {
      token = ex.getRequestHeaders().getFirst("X-Consul-Token");
    }
    if (token == null || token.isEmpty()) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null) {
        String[] parts = auth.trim().split("\\s+");
        if (parts.length >= 2 && parts[0].equalsIgnoreCase("bearer")) {
          token = parts[1];
        }
      }
    }
    if (token == null || token.isEmpty()) {
      return Caller.ANONYMOUS;
    }
    if (!state.config().aclTokens().contains(token)) {
      throw new ApiException(403, "ACL not found");
    }
    return Caller.ALLOWED;
  }

  private static void denyAnonymous(Caller caller, String permission, String resource) {
    if (caller == Caller.ANONYMOUS) {
      throw new ApiException(403, "Permission denied: anonymous token lacks permission '" + permission + "' on \""
          + resource + "\". The anonymous token is used implicitly when a request does not specify a token.");
    }
  }

  // ---- I/O ----

  private static String readBody(HttpExchange ex) {
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY + 1);
      if (body.length > MAX_BODY) {
        throw new ApiException(413, "Request body too large (limit " + MAX_BODY + " bytes)");
      }
      return new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ApiException(400, "Request decode failed: " + e.getMessage());
    }
  }

  private void sendJson(HttpExchange ex, JsonNode body, QueryParams q, Long index) {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", "application/json");
    h.set("Vary", "Accept-Encoding");
    if (!h.containsKey("X-Consul-Default-ACL-Policy")) {
      h.set("X-Consul-Default-ACL-Policy", state.config().aclEnabled() ? "deny" : "allow");
    }
    if (index != null) {
      h.set("X-Consul-Index", Long.toString(Math.max(1, index)));
      h.set("X-Consul-KnownLeader", "true");
      h.set("X-Consul-LastContact", "0");
      if (q.has("cached")) {
        h.set("X-Cache", "MISS");
      }
    }
    send(ex, 200, JsonViews.render(body, q.has("pretty")));
  }

  private void sendEmpty(HttpExchange ex) {
    send(ex, 200, new byte[0]);
  }

  private void sendText(HttpExchange ex, int status, String text) {
    if (!ex.getResponseHeaders().containsKey("X-Consul-Default-ACL-Policy")) {
      ex.getResponseHeaders().set("X-Consul-Default-ACL-Policy",
          state.config().aclEnabled() ? "deny" : "allow");
    }
    ex.getResponseHeaders().set("Content-Type", TEXT);
    send(ex, status, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, byte[] body) {
    try {
      boolean head = ex.getRequestMethod().equalsIgnoreCase("HEAD");
      ex.sendResponseHeaders(status, body.length == 0 || head ? -1 : body.length);
      if (body.length > 0 && !head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    } catch (IOException e) {
      log.debug("client went away before the response was written: {}", e.toString());
    } finally {
      ex.close();
    }
  }

  /** Closes the connection without an answer (the JDK server closes the socket when no headers were sent). */
  private static void drop(HttpExchange ex) {
    ex.close();
  }
}
