package dev.discovery.consul.testkit;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's behaviour on top of the catalog: registration defaults, TTL timers, maintenance mode, the
 * critical-service reaper and deferred output sync. HTTP handlers and test controls both go through here.
 */
final class AgentState implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentState.class);
  static final String SERF_CHECK = "serfHealth";
  static final String MAINTENANCE_PREFIX = "_service_maintenance:";

  private final AgentConfig config;
  private final Store store = new Store();
  private final Coordinates coordinates = new Coordinates();
  private final PreparedQueries queries = new PreparedQueries();
  private final ScheduledExecutorService scheduler;
  private final Map<String, ScheduledFuture<?>> ttlTimers = new ConcurrentHashMap<>();
  private final Map<String, ScheduledFuture<?>> runners = new ConcurrentHashMap<>();
  private final ExecutorService checkExecutor;
  private final Map<String, ScheduledFuture<?>> deferredOutput = new ConcurrentHashMap<>();
  private final Map<String, String> localOutput = new ConcurrentHashMap<>();
  private final Map<String, Long> criticalSince = new ConcurrentHashMap<>();
  private final String nodeId = UUID.randomUUID().toString();
  private ScheduledFuture<?> reaper;

  AgentState(AgentConfig config) {
    this.config = config;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "consul-testkit-checks-" + config.nodeName());
      t.setDaemon(true);
      return t;
    });
    this.checkExecutor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "consul-testkit-check-run-" + config.nodeName());
      t.setDaemon(true);
      return t;
    });
    bootstrap();
    long reapMillis = config.reapInterval().toMillis();
    reaper = scheduler.scheduleWithFixedDelay(this::reap, reapMillis, reapMillis, TimeUnit.MILLISECONDS);
  }

  Store store() {
    return store;
  }

  AgentConfig config() {
    return config;
  }

  /** The nodes' network coordinates, for {@code ?near}. */
  Coordinates coordinates() {
    return coordinates;
  }

  /** This datacenter's prepared queries. */
  PreparedQueries queries() {
    return queries;
  }

  /** The local agent's node, its Serf check and the {@code consul} service a dev-mode server registers. */
  private void bootstrap() {
    ensureAgentNode(config.nodeName(), config.nodeAddress(), nodeId);
    ServiceEntry consul = new ServiceEntry(config.nodeName(), "consul", "consul", "", List.of(), "", Map.of(),
        Map.of(), 8300, 1, 1, false, 0, 0);
    store.putService(consul);
  }

  private void ensureAgentNode(String name, String address, String id) {
    NodeEntry existing = store.node(name);
    if (existing != null && existing.address().equals(address)) {
      return;
    }
    Map<String, String> tagged = new LinkedHashMap<>();
    InetAddress ip = Payloads.ipLiteral(address);
    String family = ip instanceof Inet4Address || ip == null ? "ipv4" : "ipv6";
    tagged.put("lan", address);
    tagged.put("lan_" + family, address);
    tagged.put("wan", address);
    tagged.put("wan_" + family, address);
    store.putNode(new NodeEntry(name, id == null ? UUID.nameUUIDFromBytes(name.getBytes(
        java.nio.charset.StandardCharsets.UTF_8)).toString() : id, address, config.datacenter(), tagged,
        Map.of("consul-network-segment", ""), true, 0, 0));
    writeCheck(new CheckEntry(name, SERF_CHECK, "Serf Health Status", CheckEntry.PASSING, "",
        "Agent alive and reachable", "", "", List.of(), "", CheckDefinition.EMPTY, 0, 0));
  }

  /** Drops every registration (a restart without persisted state) and registers the agent's own node again. */
  void resetState() {
    ttlTimers.values().forEach(f -> f.cancel(false));
    ttlTimers.clear();
    runners.values().forEach(f -> f.cancel(false));
    runners.clear();
    deferredOutput.values().forEach(f -> f.cancel(false));
    deferredOutput.clear();
    localOutput.clear();
    criticalSince.clear();
    store.clear();
    queries.clear();
    bootstrap();
  }

  // ---- registration ----

  /** {@code PUT /v1/agent/service/register} on the local node. */
  void registerService(ServiceRegistration reg, boolean replaceExistingChecks) {
    registerService(config.nodeName(), reg, replaceExistingChecks);
  }

  /** Registers as the agent of {@code node} would (test control for services on other hosts). */
  void registerNodeService(String node, String nodeAddress, ServiceRegistration reg) {
    if (!node.equals(config.nodeName())) {
      ensureAgentNode(node, nodeAddress, null);
    }
    registerService(node, reg, false);
  }

  private void registerService(String node, ServiceRegistration reg, boolean replaceExistingChecks) {
    for (ServiceRegistration.CheckRegistration c : reg.checks()) {
      if (c.definition().isScript() && !config.enableScriptChecks()) {
        throw new ApiException(500, "Scripts are disabled on this agent from remote calls; to enable, configure "
            + "'enable_script_checks' to true");
      }
    }
    Map<String, ServiceEntry.TaggedAddress> tagged = new LinkedHashMap<>(reg.taggedAddresses());
    InetAddress ip = Payloads.ipLiteral(reg.address());
    if (ip != null) {
      String family = ip instanceof Inet4Address ? "ipv4" : "ipv6";
      tagged.putIfAbsent("lan_" + family, new ServiceEntry.TaggedAddress(reg.address(), reg.port()));
      tagged.putIfAbsent("wan_" + family, new ServiceEntry.TaggedAddress(reg.address(), reg.port()));
    }
    ServiceEntry service = new ServiceEntry(node, reg.id(), reg.name(), reg.kind(), reg.tags(), reg.address(),
        tagged, reg.meta(), reg.port(), reg.weightPassing(), reg.weightWarning(), reg.enableTagOverride(), 0, 0);
    store.locked(() -> {
      store.putService(service);
      Set<String> kept = new HashSet<>();
      int n = reg.checks().size();
      for (int i = 0; i < n; i++) {
        ServiceRegistration.CheckRegistration c = reg.checks().get(i);
        String checkId = !c.checkId().isEmpty() ? c.checkId()
            : n == 1 ? "service:" + reg.id() : "service:" + reg.id() + ":" + (i + 1);
        String name = c.name().isEmpty() ? "Service '" + reg.name() + "' check" : c.name();
        CheckEntry previous = store.check(node, checkId);
        String status = c.status() != null ? c.status()
            : previous != null ? previous.status() : CheckEntry.CRITICAL;
        String output = previous != null && c.status() == null ? previous.output() : "";
        writeCheck(new CheckEntry(node, checkId, name, status, c.notes(), output, reg.id(), reg.name(), reg.tags(),
            c.definition().type(), c.definition(), 0, 0));
        kept.add(checkId);
        cancelTimers(key(node, checkId));
        if (!c.definition().ttl().isZero()) {
          armTtl(node, checkId, c.definition().ttl());
        } else if (config.runChecks() && CheckRunner.runnable(c.definition())) {
          startRunner(node, checkId, c.definition());
        }
      }
      if (replaceExistingChecks) {
        for (CheckEntry existing : store.checksOn(node)) {
          if (existing.serviceId().equals(reg.id()) && !kept.contains(existing.checkId())
              && !existing.checkId().startsWith(MAINTENANCE_PREFIX)) {
            removeCheck(node, existing.checkId());
          }
        }
      }
      return null;
    });
  }

  /** {@code PUT /v1/catalog/register}: raw catalog write, checks not run, no Serf check added. */
  void catalogRegister(Payloads.CatalogRegistration reg) {
    store.locked(() -> {
      NodeEntry existing = store.node(reg.node().name());
      NodeEntry node = reg.node();
      if (node.id().isEmpty() && existing != null) {
        node = new NodeEntry(node.name(), existing.id(), node.address(), node.datacenter(), node.taggedAddresses(),
            node.meta(), existing.agentNode(), 0, 0);
      }
      store.putNode(node);
      if (reg.service() != null) {
        ServiceRegistration s = reg.service();
        store.putService(new ServiceEntry(node.name(), s.id(), s.name(), s.kind(), s.tags(), s.address(),
            s.taggedAddresses(), s.meta(), s.port(), s.weightPassing(), s.weightWarning(), s.enableTagOverride(),
            0, 0));
      }
      for (CheckEntry c : reg.checks()) {
        writeCheck(c);
      }
      return null;
    });
  }

  /** {@code PUT /v1/agent/service/deregister/:id}. */
  void deregisterService(String serviceId) {
    deregisterService(config.nodeName(), serviceId);
  }

  void deregisterService(String node, String serviceId) {
    List<CheckEntry> checks = store.checksOn(node);
    if (store.removeService(node, serviceId) == null) {
      throw unknownService(serviceId);
    }
    for (CheckEntry c : checks) {
      if (c.serviceId().equals(serviceId)) {
        forget(node, c.checkId());
      }
    }
  }

  static ApiException unknownService(String serviceId) {
    return new ApiException(404, "Unknown service ID \"" + serviceId
        + "\". Ensure that the service ID is passed, not the service name.");
  }

  static ApiException unknownCheck(String checkId) {
    return new ApiException(404, "Unknown check ID \"" + checkId
        + "\". Ensure that the check ID is passed, not the check name.");
  }

  // ---- check updates ----

  /** {@code PUT /v1/agent/check/pass|warn|fail/:id} and {@code /update/:id}: TTL checks of the local node only. */
  void updateTtlCheck(String checkId, String status, String output) {
    String node = config.nodeName();
    CheckEntry check = store.check(node, checkId);
    if (check == null) {
      throw unknownCheck(checkId);
    }
    if (check.definition() == null || check.definition().ttl().isZero()) {
      throw new ApiException(500, "CheckID \"" + checkId + "\" does not have associated TTL");
    }
    armTtl(node, checkId, check.definition().ttl());
    updateLikeAgent(check, status, output);
  }

  /**
   * Consul's local-state rule: an unchanged status with new output is kept locally and synced to the catalog only
   * after {@code check_update_interval}, so TTL heartbeats do not wake blocking queries; a status change syncs now.
   */
  private void updateLikeAgent(CheckEntry check, String status, String output) {
    String key = key(check.node(), check.checkId());
    String currentOutput = localOutput.getOrDefault(key, check.output());
    if (check.status().equals(status) && currentOutput.equals(output)) {
      return;
    }
    if (check.status().equals(status)) {
      localOutput.put(key, output);
      deferredOutput.computeIfAbsent(key, k -> scheduler.schedule(() -> {
        deferredOutput.remove(k);
        CheckEntry now = store.check(check.node(), check.checkId());
        String latest = localOutput.get(k);
        if (now != null && latest != null) {
          writeCheck(now.withStatus(now.status(), latest));
        }
      }, config.checkUpdateInterval().toMillis(), TimeUnit.MILLISECONDS));
      return;
    }
    writeCheck(check.withStatus(status, output));
  }

  /** Test control: sets a check's status at once on whatever node it lives (local node first). */
  void setCheckStatus(String checkId, String status, String output) {
    if (!CheckEntry.validStatus(status)) {
      throw new IllegalArgumentException("status must be passing, warning or critical, got " + status);
    }
    CheckEntry check = store.check(config.nodeName(), checkId);
    if (check == null) {
      check = store.locked(() -> {
        for (CheckEntry c : store.allChecks()) {
          if (c.checkId().equals(checkId)) {
            return c;
          }
        }
        return null;
      });
    }
    if (check == null) {
      throw new IllegalArgumentException("no check with ID " + checkId + " is registered");
    }
    if (check.definition() != null && !check.definition().ttl().isZero()) {
      armTtl(check.node(), checkId, check.definition().ttl());
    }
    writeCheck(check.withStatus(status, output == null ? "" : output));
  }

  /** Test control: sets every check of a service instance; adds a {@code service:<id>} check if it has none. */
  void setServiceHealth(String serviceId, String status) {
    if (!CheckEntry.validStatus(status)) {
      throw new IllegalArgumentException("status must be passing, warning or critical, got " + status);
    }
    store.locked(() -> {
      ServiceEntry service = findService(serviceId);
      if (service == null) {
        throw new IllegalArgumentException("no service with ID " + serviceId + " is registered");
      }
      boolean any = false;
      for (CheckEntry c : store.checksOn(service.node())) {
        if (c.serviceId().equals(serviceId) && !c.checkId().startsWith(MAINTENANCE_PREFIX)) {
          writeCheck(c.withStatus(status, c.output()));
          any = true;
        }
      }
      if (!any) {
        writeCheck(new CheckEntry(service.node(), "service:" + serviceId, "Service '" + service.name() + "' check",
            status, "", "", serviceId, service.name(), service.tags(), "", CheckDefinition.EMPTY, 0, 0));
      }
      return null;
    });
  }

  private ServiceEntry findService(String serviceId) {
    ServiceEntry local = store.service(config.nodeName(), serviceId);
    if (local != null) {
      return local;
    }
    for (String node : store.nodesLocked().keySet()) {
      ServiceEntry s = store.service(node, serviceId);
      if (s != null) {
        return s;
      }
    }
    return null;
  }

  /** {@code PUT /v1/agent/service/maintenance/:id}. */
  void serviceMaintenance(String serviceId, boolean enable, String reason) {
    String node = config.nodeName();
    ServiceEntry service = store.service(node, serviceId);
    if (service == null) {
      throw unknownService(serviceId);
    }
    String checkId = MAINTENANCE_PREFIX + serviceId;
    if (enable) {
      if (store.check(node, checkId) != null) {
        return;
      }
      String notes = reason == null || reason.isEmpty()
          ? "Maintenance mode is enabled for this service, but no reason was provided. This is a default message."
          : reason;
      writeCheck(new CheckEntry(node, checkId, "Service Maintenance Mode", CheckEntry.CRITICAL, notes, "",
          serviceId, service.name(), service.tags(), "maintenance", CheckDefinition.EMPTY, 0, 0));
    } else {
      removeCheck(node, checkId);
    }
  }

  // ---- timers ----

  private void armTtl(String node, String checkId, Duration ttl) {
    String key = key(node, checkId);
    ScheduledFuture<?> next = scheduler.schedule(() -> expire(node, checkId), ttl.toNanos(), TimeUnit.NANOSECONDS);
    ScheduledFuture<?> previous = ttlTimers.put(key, next);
    if (previous != null) {
      previous.cancel(false);
    }
  }

  /**
   * Runs an HTTP/TCP check every Interval (at least 1s, first run staggered within it), one run at a time as
   * Consul does: a run still in flight when the next is due makes that one skip, and a run of a definition that
   * has since been replaced or removed writes nothing.
   */
  private void startRunner(String node, String checkId, CheckDefinition def) {
    long interval = Math.max(1000, def.interval().toMillis());
    long stagger = ThreadLocalRandom.current().nextLong(interval);
    String key = key(node, checkId);
    AtomicBoolean inFlight = new AtomicBoolean();
    AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
    Runnable runOnce = () -> {
      try {
        CheckRunner.Result result = CheckRunner.run(def);
        CheckEntry current = store.check(node, checkId);
        if (current != null && runners.get(key) == self.get()) {
          updateLikeAgent(current, result.status(), result.output());
        }
      } finally {
        inFlight.set(false);
      }
    };
    ScheduledFuture<?> next = scheduler.scheduleWithFixedDelay(() -> {
      if (inFlight.compareAndSet(false, true)) {
        try {
          checkExecutor.execute(runOnce);
        } catch (RejectedExecutionException e) {
          inFlight.set(false);
        }
      }
    }, stagger, interval, TimeUnit.MILLISECONDS);
    self.set(next);
    runners.put(key, next); // the caller has cancelled this check's earlier timers
  }

  private void expire(String node, String checkId) {
    CheckEntry check = store.check(node, checkId);
    if (check == null) {
      return;
    }
    String key = key(node, checkId);
    String last = localOutput.getOrDefault(key, check.output());
    String output = last.isEmpty() ? "TTL expired" : "TTL expired (last output before timeout follows): " + last;
    log.debug("TTL check {} on {} expired", checkId, node);
    localOutput.remove(key);
    writeCheck(check.withStatus(CheckEntry.CRITICAL, output));
  }

  /** Consul's reaper: deregisters a service whose check has been critical longer than its timeout. */
  private void reap() {
    try {
      long now = System.nanoTime();
      for (CheckEntry c : store.allChecks()) {
        CheckDefinition def = c.definition();
        if (def == null || def.deregisterCriticalServiceAfter().isZero() || c.serviceId().isEmpty()) {
          continue;
        }
        Duration timeout = def.deregisterCriticalServiceAfter();
        if (timeout.compareTo(config.deregisterCriticalMinimum()) < 0) {
          timeout = config.deregisterCriticalMinimum();
        }
        Long since = criticalSince.get(key(c.node(), c.checkId()));
        if (since != null && now - since > timeout.toNanos()) {
          log.info("Check {} has been critical for too long; deregistering service {}", c.checkId(),
              c.serviceId());
          try {
            deregisterService(c.node(), c.serviceId());
          } catch (ApiException alreadyGone) {
            // Removed concurrently; nothing to reap.
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("reaper failed", e);
    }
  }

  private void writeCheck(CheckEntry check) {
    String key = key(check.node(), check.checkId());
    if (CheckEntry.CRITICAL.equals(check.status())) {
      criticalSince.putIfAbsent(key, System.nanoTime());
    } else {
      criticalSince.remove(key);
    }
    localOutput.remove(key);
    store.putCheck(check);
  }

  private void removeCheck(String node, String checkId) {
    store.removeCheck(node, checkId);
    forget(node, checkId);
  }

  private void cancelTimers(String key) {
    ScheduledFuture<?> timer = ttlTimers.remove(key);
    if (timer != null) {
      timer.cancel(false);
    }
    ScheduledFuture<?> runner = runners.remove(key);
    if (runner != null) {
      runner.cancel(false);
    }
  }

  private void forget(String node, String checkId) {
    String key = key(node, checkId);
    cancelTimers(key);
    ScheduledFuture<?> deferred = deferredOutput.remove(key);
    if (deferred != null) {
      deferred.cancel(false);
    }
    localOutput.remove(key);
    criticalSince.remove(key);
  }

  private static String key(String node, String checkId) {
    return node + "\u0000" + checkId;
  }

  List<String> localServiceIds() {
    List<String> ids = new ArrayList<>();
    for (ServiceEntry s : store.servicesOn(config.nodeName())) {
      ids.add(s.id());
    }
    return ids;
  }

  @Override
  public void close() {
    if (reaper != null) {
      reaper.cancel(false);
    }
    scheduler.shutdownNow();
    checkExecutor.shutdownNow();
  }
}
