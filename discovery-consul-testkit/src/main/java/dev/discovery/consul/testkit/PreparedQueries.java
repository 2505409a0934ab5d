package dev.discovery.consul.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One datacenter's prepared queries, and their execution with Consul's failover
 * ({@code agent/consul/prepared_query_endpoint.go}: {@code Execute}, {@code execute}, {@code queryFailover}).
 * Queries live in the datacenter they were created in, as in Consul's state store.
 */
final class PreparedQueries {
  /** {@code structs.ErrQueryNotFound}; the HTTP API answers it with 404 and this text. */
  static final String NOT_FOUND = "Query not found";

  private final Map<String, PreparedQuery> byId = new LinkedHashMap<>();

  /** What an execution found: the execute response's fields (api-docs/query.mdx "Execute Prepared Query"). */
  record Execution(PreparedQuery query, List<HealthEntry> nodes, String datacenter, int failovers) {}

  synchronized PreparedQuery create(PreparedQuery parsed) {
    if (!parsed.name().isEmpty()) {
      for (PreparedQuery q : byId.values()) {
        if (q.name().equals(parsed.name())) {
          throw new ApiException(500, "name '" + parsed.name() + "' aliases an existing query name");
        }
      }
    }
    byId.put(parsed.id(), parsed);
    return parsed;
  }

  static String newId() {
    return UUID.randomUUID().toString();
  }

  synchronized List<PreparedQuery> list() {
    return new ArrayList<>(byId.values());
  }

  /** {@code PreparedQueryResolve}: by ID first, then by exact name (templates are not modelled). */
  synchronized PreparedQuery resolve(String idOrName) {
    PreparedQuery q = byId.get(idOrName);
    if (q != null) {
      return q;
    }
    for (PreparedQuery candidate : byId.values()) {
      if (!candidate.name().isEmpty() && candidate.name().equals(idOrName)) {
        return candidate;
      }
    }
    return null;
  }

  synchronized boolean delete(String id) {
    return byId.remove(id) != null;
  }

  synchronized void clear() {
    byId.clear();
  }

  /**
   * Runs the query named {@code idOrName} of datacenter {@code home}. Its own datacenter first; only when that has no
   * healthy node, the {@code NearestN} nearest other datacenters and then the listed {@code Datacenters} (unknown ones
   * skipped, none twice), in order, until one has nodes. {@code failovers} counts the datacenters tried remotely, and
   * {@code datacenter} is the last one that answered (the home one when no failover ran). Nodes are shuffled, then cut
   * to {@code limit} when it is positive. Returns null for an unknown query.
   */
  static Execution execute(Datacenters dcs, AgentState home, String idOrName, int limit) {
    PreparedQuery query = home.queries().resolve(idOrName);
    if (query == null) {
      return null;
    }
    String homeDc = home.config().datacenter();
    List<HealthEntry> nodes = run(query, home, limit);
    String answered = homeDc;
    int failovers = 0;
    if (nodes.isEmpty()) {
      List<String> nearest = dcs.othersByDistance(homeDc);
      List<String> candidates = new ArrayList<>();
      for (int i = 0; i < Math.min(query.nearestN(), nearest.size()); i++) {
        candidates.add(nearest.get(i));
      }
      for (String dc : query.failoverDatacenters()) {
        if (nearest.contains(dc) && !candidates.contains(dc)) {
          candidates.add(dc); // Consul skips unknown datacenters ("Skipping unknown datacenter", DEBUG)
        }
      }
      for (String dc : candidates) {
        failovers++;
        AgentState remote = dcs.find(dc);
        if (remote == null) {
          continue;
        }
        nodes = run(query, remote, limit);
        answered = dc;
        if (!nodes.isEmpty()) {
          break;
        }
      }
    }
    return new Execution(query, nodes, answered, failovers);
  }

  private static List<HealthEntry> run(PreparedQuery query, AgentState dc, int limit) {
    Store store = dc.store();
    List<HealthEntry> out = new ArrayList<>();
    store.locked(() -> {
      for (HealthEntry e : store.healthLocked(query.service())) {
        if (query.selects(e)) {
          out.add(e);
        }
      }
      return null;
    });
    Collections.shuffle(out, ThreadLocalRandom.current());
    return limit > 0 && out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
  }
}
