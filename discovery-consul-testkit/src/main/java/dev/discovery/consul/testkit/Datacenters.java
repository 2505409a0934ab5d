package dev.discovery.consul.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WAN-federated datacenters one test agent can reach: its own, and the others a test added. Each has its own
 * catalog, index and blocking readers (as each Consul datacenter has its own Raft log), so a change in one wakes
 * only the watches on that one. A request's {@code ?dc=} picks one; an unknown name is Consul's HTTP 500
 * {@code No path to datacenter} ({@code structs.ErrNoDCPath}, {@code agent/structs/errors.go}).
 */
final class Datacenters implements AutoCloseable {
  static final String NO_PATH = "No path to datacenter";

  private final AgentState local;
  private final Map<String, AgentState> remote = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();

  Datacenters(AgentState local) {
    this.local = local;
  }

  AgentState local() {
    return local;
  }

  /** Adds a remote datacenter (or returns the existing one): a catalog with a server node of its own. */
  AgentState add(String dc) {
    if (dc.equals(local.config().datacenter())) {
      return local;
    }
    return remote.computeIfAbsent(dc, name -> {
      AgentConfig c = local.config();
      AgentConfig config = new AgentConfig(c.bindAddress(), 0, 0, name, c.nodeName() + "-" + name,
          c.nodeAddress(), c.domain(), c.altDomain(), c.aclTokens(), c.onlyPassing(), c.enableTruncate(),
          c.udpAnswerLimit(), c.serviceTtlSeconds(), c.enableScriptChecks(), c.reapInterval(),
          c.deregisterCriticalMinimum(), c.checkUpdateInterval(), c.runChecks());
      return new AgentState(config);
    });
  }

  /** The datacenter called {@code dc}, or null when this agent has no path to it. */
  AgentState find(String dc) {
    if (dc == null || dc.isEmpty() || dc.equals(local.config().datacenter())) {
      return local;
    }
    return remote.get(dc);
  }

  /** The datacenter a request's {@code ?dc=} names (the local one when absent or empty). */
  AgentState resolve(String dc) {
    AgentState state = find(dc);
    if (state == null) {
      throw new ApiException(500, NO_PATH);
    }
    return state;
  }

  /**
   * Every datacenter's name, the local one first, then the others sorted by name: the order of
   * {@code /v1/catalog/datacenters} ("sorted by estimated median round trip time", catalog.mdx) and of a prepared
   * query's {@code NearestN}, since the testkit has no network coordinates and treats the others as equally far.
   */
  List<String> names() {
    List<String> out = new ArrayList<>();
    out.add(local.config().datacenter());
    out.addAll(new TreeMap<>(remote).keySet());
    return out;
  }

  /** The other datacenters, nearest first (see {@link #names()}). */
  List<String> othersByDistance(String from) {
    List<String> out = new ArrayList<>(names());
    out.remove(from);
    return out;
  }

  /** Counts one HTTP request for {@code path} addressed to datacenter {@code dc} (null: the local one). */
  void count(String dc, String path) {
    String name = dc == null || dc.isEmpty() ? local.config().datacenter() : dc;
    requests.computeIfAbsent(name + "\u0000" + path, k -> new AtomicLong()).incrementAndGet();
  }

  long requestCount(String dc, String path) {
    AtomicLong n = requests.get(dc + "\u0000" + path);
    return n == null ? 0 : n.get();
  }

  /** Wakes the blocking readers of every datacenter (a dropped connection, a stopping agent). */
  void wakeAll() {
    local.store().wakeAll();
    remote.values().forEach(s -> s.store().wakeAll());
  }

  /** Stops the remote datacenters' timers; the local one is closed by its agent. */
  @Override
  public void close() {
    remote.values().forEach(AgentState::close);
  }
}
