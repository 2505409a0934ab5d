package dev.discovery.consul.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The catalog: nodes, services and checks with a Raft-like index. Every write that changes something bumps the
 * index and wakes blocking readers; writes that change nothing are no-ops, as in Consul's state store.
 */
final class Store {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long index = 1;
  /** Counts writes that woke the readers: a blocked reader re-runs its query only when this moved. */
  private long writes;
  // TreeMaps give memdb-like ordering (by node name, then ID).
  private final Map<String, NodeEntry> nodes = new TreeMap<>();
  private final Map<String, Map<String, ServiceEntry>> services = new TreeMap<>();
  private final Map<String, Map<String, CheckEntry>> checks = new TreeMap<>();
  // Consul's "service.<name>" index entries; a service without instances falls back to the table index.
  private final Map<String, Long> serviceIndex = new HashMap<>();
  // Consul's table indexes for "checks" and "services" (memdb's index table): /v1/health/state/:state reports the
  // checks table's (catalogChecksMaxIndex), /v1/catalog/services the services table's (catalogServicesMaxIndex).
  // A node update moves neither (catalogInsertNode raises the nodes and per-service indexes only).
  private long checksIndex = 1;
  private long servicesIndex = 1;

  /** A query result with the index it is valid at. */
  record Indexed<T>(T value, long index) {}

  /** Thrown out of a blocking wait that must end without an answer (dropped connection, agent stopping). */
  static final class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted() {
      super(null, null, false, false);
    }
  }

  long index() {
    lock.lock();
    try {
      return index;
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code action} under the store lock (for compound reads and writes). */
  <T> T locked(Supplier<T> action) {
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every blocking reader so it re-checks its abort condition. */
  void wakeAll() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Consul's blocking loop: answers at once when {@code minIndex} is 0 or the result's index is greater; otherwise
   * waits for a change or the timeout and then answers with the current result, whatever its index.
   */
  <T> Indexed<T> block(long minIndex, long timeoutNanos, Supplier<Indexed<T>> query, BooleanSupplier abort) {
    lock.lock();
    try {
      long deadline = System.nanoTime() + timeoutNanos;
      long seenWrites = writes;
      Indexed<T> result = query.get();
      while (true) {
        if (abort.getAsBoolean()) {
          throw new Aborted();
        }
        long remaining = deadline - System.nanoTime();
        if (minIndex <= 0 || result.index() > minIndex || remaining <= 0) {
          return result;
        }
        try {
          // Wakes at least once a second to notice a dropped connection or a stopping agent.
          changed.awaitNanos(Math.min(remaining, TimeUnit.SECONDS.toNanos(1)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Aborted();
        }
        // Like Consul's watch sets: the result is computed again after a write or at the deadline (the answer
        // is then the current state), not on every wake-up, so parked readers of a large service cost nothing
        // while nothing changes.
        if (writes != seenWrites || deadline - System.nanoTime() <= 0) {
          seenWrites = writes;
          result = query.get();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  // ---- writes (callers hold no lock; each takes it) ----

  private long bump(Collection<String> serviceNames) {
    index++;
    for (String name : serviceNames) {
      serviceIndex.put(name, index);
    }
    writes++;
    changed.signalAll();
    return index;
  }

  private Set<String> serviceNamesOnNode(String node) {
    Set<String> names = new HashSet<>();
    for (ServiceEntry s : services.getOrDefault(node, Map.of()).values()) {
      names.add(s.name());
    }
    return names;
  }

  /** Inserts or updates a node; returns true when something changed. */
  boolean putNode(NodeEntry node) {
    lock.lock();
    try {
      NodeEntry existing = nodes.get(node.name());
      if (existing != null && existing.withIndexes(0, 0).equals(node.withIndexes(0, 0))) {
        return false;
      }
      long idx = bump(serviceNamesOnNode(node.name()));
      nodes.put(node.name(), node.withIndexes(existing == null ? idx : existing.createIndex(), idx));
      return true;
    } finally {
      lock.unlock();
    }
  }

  NodeEntry node(String name) {
    lock.lock();
    try {
      return nodes.get(name);
    } finally {
      lock.unlock();
    }
  }

  /** Inserts or replaces a service instance; identical re-registrations change nothing. */
  boolean putService(ServiceEntry service) {
    lock.lock();
    try {
      if (!nodes.containsKey(service.node())) {
        throw new IllegalStateException("node " + service.node() + " is not registered");
      }
      Map<String, ServiceEntry> onNode = services.computeIfAbsent(service.node(), k -> new TreeMap<>());
      ServiceEntry existing = onNode.get(service.id());
      if (existing != null && existing.withIndexes(0, 0).equals(service.withIndexes(0, 0))) {
        return false;
      }
      Set<String> touched = new HashSet<>();
      touched.add(service.name());
      if (existing != null) {
        touched.add(existing.name());
      }
      long idx = bump(touched);
      servicesIndex = idx;
      onNode.put(service.id(), service.withIndexes(existing == null ? idx : existing.createIndex(), idx));
      if (existing != null && !existing.name().equals(service.name())) {
        dropServiceIndexIfUnused(existing.name());
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  ServiceEntry service(String node, String id) {
    lock.lock();
    try {
      return services.getOrDefault(node, Map.of()).get(id);
    } finally {
      lock.unlock();
    }
  }

  List<ServiceEntry> servicesOn(String node) {
    lock.lock();
    try {
      return new ArrayList<>(services.getOrDefault(node, Map.of()).values());
    } finally {
      lock.unlock();
    }
  }

  /** Removes a service instance and its checks; returns the removed entry or null. */
  ServiceEntry removeService(String node, String id) {
    lock.lock();
    try {
      Map<String, ServiceEntry> onNode = services.get(node);
      ServiceEntry removed = onNode == null ? null : onNode.remove(id);
      if (removed == null) {
        return null;
      }
      Map<String, CheckEntry> nodeChecks = checks.getOrDefault(node, Map.of());
      nodeChecks.values().removeIf(c -> c.serviceId().equals(id));
      long idx = bump(List.of(removed.name()));
      // Consul's deleteServiceTxn raises the checks table index whether or not the instance had checks.
      servicesIndex = idx;
      checksIndex = idx;
      dropServiceIndexIfUnused(removed.name());
      return removed;
    } finally {
      lock.unlock();
    }
  }

  private void dropServiceIndexIfUnused(String name) {
    for (Map<String, ServiceEntry> onNode : services.values()) {
      for (ServiceEntry s : onNode.values()) {
        if (s.name().equals(name)) {
          return;
        }
      }
    }
    // As Consul does: the table index (which this write just raised) now speaks for the service.
    serviceIndex.remove(name);
  }

  /** Inserts or replaces a check; identical writes change nothing. */
  boolean putCheck(CheckEntry check) {
    lock.lock();
    try {
      Map<String, CheckEntry> nodeChecks = checks.computeIfAbsent(check.node(), k -> new TreeMap<>());
      CheckEntry existing = nodeChecks.get(check.checkId());
      if (existing != null && existing.withIndexes(0, 0).equals(check.withIndexes(0, 0))) {
        return false;
      }
      long idx = bump(affectedServices(check, existing));
      checksIndex = idx;
      nodeChecks.put(check.checkId(), check.withIndexes(existing == null ? idx : existing.createIndex(), idx));
      return true;
    } finally {
      lock.unlock();
    }
  }

  private Set<String> affectedServices(CheckEntry check, CheckEntry existing) {
    Set<String> touched = new HashSet<>();
    for (CheckEntry c : existing == null ? List.of(check) : List.of(check, existing)) {
      if (c.serviceId().isEmpty()) {
        touched.addAll(serviceNamesOnNode(c.node()));
      } else {
        touched.add(c.serviceName());
      }
    }
    return touched;
  }

  CheckEntry check(String node, String checkId) {
    lock.lock();
    try {
      return checks.getOrDefault(node, Map.of()).get(checkId);
    } finally {
      lock.unlock();
    }
  }

  List<CheckEntry> checksOn(String node) {
    lock.lock();
    try {
      return new ArrayList<>(checks.getOrDefault(node, Map.of()).values());
    } finally {
      lock.unlock();
    }
  }

  List<CheckEntry> allChecks() {
    lock.lock();
    try {
      List<CheckEntry> all = new ArrayList<>();
      checks.values().forEach(m -> all.addAll(m.values()));
      return all;
    } finally {
      lock.unlock();
    }
  }

  boolean removeCheck(String node, String checkId) {
    lock.lock();
    try {
      CheckEntry removed = checks.getOrDefault(node, new TreeMap<>()).remove(checkId);
      if (removed == null) {
        return false;
      }
      checksIndex = bump(affectedServices(removed, null));
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Removes everything on every node (agent restart without state); the index keeps counting up. */
  void clear() {
    lock.lock();
    try {
      nodes.clear();
      services.clear();
      checks.clear();
      serviceIndex.clear();
      long idx = bump(List.of());
      checksIndex = idx; // deleting a node deletes its services and checks
      servicesIndex = idx;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A snapshot restore to an older state: the index moves back to {@code lower} and no entry keeps a higher index.
   * Blocking readers with a higher index keep waiting until their timeout, as against a real restored server.
   */
  void resetIndex(long lower) {
    if (lower < 1) {
      throw new IllegalArgumentException("index must be >= 1 (Consul never reports index 0), got " + lower);
    }
    lock.lock();
    try {
      index = Math.min(index, lower);
      nodes.replaceAll((k, n) -> n.withIndexes(Math.min(n.createIndex(), index), Math.min(n.modifyIndex(), index)));
      for (Map<String, ServiceEntry> onNode : services.values()) {
        onNode.replaceAll((k, s) ->
            s.withIndexes(Math.min(s.createIndex(), index), Math.min(s.modifyIndex(), index)));
      }
      for (Map<String, CheckEntry> nodeChecks : checks.values()) {
        nodeChecks.replaceAll((k, c) ->
            c.withIndexes(Math.min(c.createIndex(), index), Math.min(c.modifyIndex(), index)));
      }
      serviceIndex.replaceAll((k, v) -> Math.min(v, index));
      checksIndex = Math.min(checksIndex, index);
      servicesIndex = Math.min(servicesIndex, index);
      writes++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---- reads (call with the lock held, e.g. inside block() or locked()) ----

  /** The index a query on {@code service} reports: its own index, else the table index; never 0. */
  long serviceIndexLocked(String service) {
    return Math.max(1, serviceIndex.getOrDefault(service, index));
  }

  long tableIndexLocked() {
    return Math.max(1, index);
  }

  /** The checks table's index: what {@code /v1/health/state/:state} reports; never 0. */
  long checksIndexLocked() {
    return Math.max(1, checksIndex);
  }

  /** The services table's index: what {@code /v1/catalog/services} reports; never 0. */
  long servicesIndexLocked() {
    return Math.max(1, servicesIndex);
  }

  /** Every check of every node, in memdb's order (by node, then check ID). */
  List<CheckEntry> checksLocked() {
    List<CheckEntry> all = new ArrayList<>();
    checks.values().forEach(m -> all.addAll(m.values()));
    return all;
  }

  /** All instances of {@code service} with their node and the checks that apply (node-level first). */
  List<HealthEntry> healthLocked(String service) {
    List<HealthEntry> out = new ArrayList<>();
    for (Map.Entry<String, Map<String, ServiceEntry>> e : services.entrySet()) {
      NodeEntry node = nodes.get(e.getKey());
      for (ServiceEntry s : e.getValue().values()) {
        if (!s.name().equals(service)) {
          continue;
        }
        List<CheckEntry> applicable = new ArrayList<>();
        for (CheckEntry c : checks.getOrDefault(e.getKey(), Map.of()).values()) {
          if (c.serviceId().isEmpty() || c.serviceId().equals(s.id())) {
            applicable.add(c);
          }
        }
        out.add(new HealthEntry(node, s, applicable));
      }
    }
    return out;
  }

  /** Every service name with the union of its instances' tags, sorted like Consul's output. */
  Map<String, Set<String>> serviceTagsLocked() {
    Map<String, Set<String>> out = new TreeMap<>();
    for (Map<String, ServiceEntry> onNode : services.values()) {
      for (ServiceEntry s : onNode.values()) {
        out.computeIfAbsent(s.name(), k -> new java.util.TreeSet<>()).addAll(s.tags());
      }
    }
    return out;
  }

  Map<String, NodeEntry> nodesLocked() {
    return nodes;
  }
}
