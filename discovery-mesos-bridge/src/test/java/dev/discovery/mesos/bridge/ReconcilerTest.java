package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.mesos.plan.DesiredService;
import dev.discovery.mesos.plan.HealthCheck;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
  private final FakeAgents agents = new FakeAgents();
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final AtomicLong clock = new AtomicLong();
  private final Metrics metrics = new Metrics();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private Reconciler reconciler(int heartbeats, boolean dryRun) {
    return new Reconciler(agents, "mesos-consul", heartbeats, dryRun, metrics, pool, clock::get,
        Duration.ofSeconds(1), Duration.ofSeconds(8));
  }

  private static DesiredService svc(String host, String name, int port, List<String> tags, boolean unhealthy) {
    return new DesiredService("mesos-consul:" + host + ":" + name + ":" + host + ":" + port, name, host, port, tags,
        Map.of(DesiredService.META_TASK_ID, name + ".1"), null, unhealthy, unhealthy ? "sick" : "");
  }

  private static Map<String, Map<String, DesiredService>> plan(DesiredService... services) {
    Map<String, Map<String, DesiredService>> p = new LinkedHashMap<>();
    for (DesiredService s : services) {
      p.computeIfAbsent(s.address(), h -> new LinkedHashMap<>()).put(s.id(), s);
    }
    return p;
  }

  @Test
  void agentsReachedAfterTheLeadershipIsLostAreLeftAlone() throws Exception {
    Reconciler r = reconciler(1, false);
    var p = plan(svc("10.0.0.1", "web", 31000, List.of(), false), svc("10.0.0.2", "web", 31000, List.of(), false),
        svc("10.0.0.3", "web", 31000, List.of(), false));
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    Reconciler.Result result = r.reconcile(p, () -> asked.getAndIncrement() == 0); // leads for one agent only
    assertThat(result.registered()).isEqualTo(1);
    assertThat(result.agentsSkipped()).isEqualTo(2);
    assertThat(agents.writes).as("writes by a bridge that no longer leads").hasSize(1);
    assertThat(r.reconcile(p).registered()).as("the others, once it leads again").isEqualTo(2);
  }

  @Test
  void registersOnceThenSteadyStateWritesNothing() throws Exception {
    Reconciler r = reconciler(1, false);
    var p = plan(svc("10.0.0.1", "web", 31000, List.of("a"), false), svc("10.0.0.2", "db", 31001, List.of(), false));
    Reconciler.Result first = r.reconcile(p);
    assertThat(first.registered()).isEqualTo(2);
    assertThat(agents.writes).hasSize(2);
    agents.writes.clear();
    Reconciler.Result second = r.reconcile(p);
    assertThat(second.registered()).isZero();
    assertThat(agents.writes).isEmpty();
  }

  @Test
  void changedTagsOrCheckAreReRegistered() throws Exception {
    Reconciler r = reconciler(1, false);
    r.reconcile(plan(svc("10.0.0.1", "web", 31000, List.of("a"), false)));
    agents.writes.clear();
    r.reconcile(plan(svc("10.0.0.1", "web", 31000, List.of("a", "b"), false)));
    assertThat(agents.writes).containsExactly("register 10.0.0.1 mesos-consul:10.0.0.1:web:10.0.0.1:31000");
    agents.writes.clear();
    DesiredService withCheck = new DesiredService("mesos-consul:10.0.0.1:web:10.0.0.1:31000", "web", "10.0.0.1",
        31000, List.of("a", "b"), Map.of(DesiredService.META_TASK_ID, "web.1", DesiredService.META_CHECK,
        "http http://x every 10s"), new HealthCheck(HealthCheck.Kind.HTTP, "http://x", "10s", ""), false, "");
    r.reconcile(plan(withCheck));
    assertThat(agents.writes).hasSize(1);
  }

  @Test
  void goneTaskIsRemovedOnlyAfterTheGracePasses() throws Exception {
    Reconciler r = reconciler(3, false);
    DesiredService web = svc("10.0.0.1", "web", 31000, List.of(), false);
    DesiredService agentSvc = svc("10.0.0.1", "mesos", 5051, List.of(), false);
    r.reconcile(plan(web, agentSvc));
    agents.writes.clear();
    r.reconcile(plan(agentSvc));
    r.reconcile(plan(agentSvc));
    assertThat(agents.writes).isEmpty();
    assertThat(agents.on("10.0.0.1")).containsKey(web.id());
    r.reconcile(plan(agentSvc));
    assertThat(agents.writes).containsExactly("deregister 10.0.0.1 " + web.id());
  }

  @Test
  void taskBackInTimeResetsTheGraceCounter() throws Exception {
    Reconciler r = reconciler(2, false);
    DesiredService web = svc("10.0.0.1", "web", 31000, List.of(), false);
    DesiredService other = svc("10.0.0.1", "x", 1, List.of(), false);
    r.reconcile(plan(web, other));
    r.reconcile(plan(other)); // missed once
    r.reconcile(plan(web, other)); // back
    r.reconcile(plan(other)); // missed once again, not twice in a row
    assertThat(agents.on("10.0.0.1")).containsKey(web.id());
    r.reconcile(plan(other));
    assertThat(agents.on("10.0.0.1")).doesNotContainKey(web.id());
  }

  @Test
  void foreignServicesAreNeverTouched() throws Exception {
    agents.on("10.0.0.1").put("redis-1", new RemoteService("redis-1", "redis", "10.0.0.1", 6379, List.of(), Map.of()));
    agents.on("10.0.0.1").put("mesos-consulX:1", new RemoteService("mesos-consulX:1", "y", "", 1, List.of(), Map.of()));
    Reconciler r = reconciler(1, false);
    r.reconcile(plan(svc("10.0.0.1", "web", 31000, List.of(), false)));
    r.reconcile(Map.of("10.0.0.1", Map.of()));
    assertThat(agents.on("10.0.0.1")).containsOnlyKeys("redis-1", "mesos-consulX:1");
    assertThat(agents.writes).noneMatch(w -> w.contains("redis-1") || w.contains("mesos-consulX"));
  }

  @Test
  void deadAgentDoesNotStopOthersAndIsRetriedWithBackoff() throws Exception {
    Reconciler r = reconciler(1, false);
    agents.down.add("10.0.0.2");
    var p = plan(svc("10.0.0.1", "web", 1, List.of(), false), svc("10.0.0.2", "db", 2, List.of(), false));
    Reconciler.Result res = r.reconcile(p);
    assertThat(res.agentsReconciled()).isEqualTo(1);
    assertThat(res.agentsFailed()).isEqualTo(1);
    assertThat(agents.on("10.0.0.1")).hasSize(1);
    assertThat(metrics.agentErrors("10.0.0.2")).isEqualTo(1);

    agents.reads.clear();
    Reconciler.Result deferred = r.reconcile(p); // clock has not moved: inside back-off
    assertThat(deferred.agentsDeferred()).isEqualTo(1);
    assertThat(agents.reads).containsExactly("10.0.0.1");

    agents.down.remove("10.0.0.2");
    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    Reconciler.Result back = r.reconcile(p);
    assertThat(back.agentsFailed()).isZero();
    assertThat(agents.on("10.0.0.2")).containsKey("mesos-consul:10.0.0.2:db:10.0.0.2:2");
  }

  @Test
  void eachFailureIsLoggedAsWhatItWasAndCountedUnderItsCause() throws Exception {
    Reconciler r = reconciler(1, false);
    agents.listingFails.put("10.0.0.1", new AgentCallException("consul agent http://10.0.0.1:8500 answered GET"
        + " /v1/agent/services (to list services) with HTTP 403: Permission denied", 403, null));
    agents.registerFails.put("10.0.0.2", new AgentCallException("service x cannot be registered: bad port", false,
        null));
    agents.registerFails.put("10.0.0.3", new AgentCallException("consul agent http://10.0.0.3:8500 answered a"
        + " request to register service 'x' with a body this client refuses: too large", 200, null));
    try (CapturedLogs logs = new CapturedLogs()) {
      Reconciler.Result result = r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false),
          svc("10.0.0.2", "web", 1, List.of(), false), svc("10.0.0.3", "web", 1, List.of(), false)));
      assertThat(result.agentsFailed()).as("only the agent whose services could not be read").isEqualTo(1);
      assertThat(result.errors()).isEqualTo(3);
      assertThat(logs.lines()).noneMatch(l -> l.contains("unreachable")).containsExactlyInAnyOrder(
          "WARNING Consul agent 10.0.0.1 answered, but its services could not be read, so nothing was changed on it"
              + " this pass (consul agent http://10.0.0.1:8500 answered GET /v1/agent/services (to list services)"
              + " with HTTP 403: Permission denied); its services are kept and it is retried in 1 s",
          "WARNING the bridge did not ask Consul agent 10.0.0.2 to register mesos-consul:10.0.0.2:web:10.0.0.2:1:"
              + " service x cannot be registered: bad port",
          "WARNING Consul agent 10.0.0.3 gave an answer the bridge cannot use to register"
              + " mesos-consul:10.0.0.3:web:10.0.0.3:1: consul agent http://10.0.0.3:8500 answered a request to"
              + " register service 'x' with a body this client refuses: too large");
    }
    assertThat(metrics.render()).contains("mesos_bridge_agent_errors_total{agent=\"10.0.0.1\",cause=\"refused\"} 1\n",
        "mesos_bridge_agent_errors_total{agent=\"10.0.0.2\",cause=\"not_sent\"} 1\n",
        "mesos_bridge_agent_errors_total{agent=\"10.0.0.3\",cause=\"bad_answer\"} 1\n",
        "mesos_bridge_agents_backing_off 1\n");
  }

  @Test
  void aCallCutShortByShutdownIsNotBlamedOnTheAgent() throws Exception {
    Reconciler r = reconciler(1, false);
    agents.down.add("10.0.0.1");
    agents.onListing.put("10.0.0.1", () -> Thread.currentThread().interrupt()); // as Bridge.close() does
    try (CapturedLogs logs = new CapturedLogs()) {
      Reconciler.Result result = r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false)));
      assertThat(result.errors()).isZero();
      assertThat(logs.lines()).noneMatch(l -> l.startsWith("WARNING"));
    }
    assertThat(metrics.agentErrors("10.0.0.1")).isZero();
    agents.down.clear();
    agents.onListing.clear();
    assertThat(r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false))).registered())
        .as("no back-off: retried at once").isEqualTo(1);
  }

  @Test
  void agentDroppedFromThePlanIsStillCleanedAndForgottenAfterwards() throws Exception {
    Reconciler r = reconciler(1, false);
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false), svc("10.0.0.2", "db", 2, List.of(), false)));
    agents.down.add("10.0.0.2");
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false)));
    assertThat(r.knownAgents()).contains("10.0.0.2"); // unreachable: not forgotten
    agents.down.remove("10.0.0.2");
    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false)));
    assertThat(agents.on("10.0.0.2")).isEmpty();
    assertThat(r.knownAgents()).containsExactly("10.0.0.1");
  }

  @Test
  void maintenanceFollowsMesosHealthAndWritesOnlyOnChange() throws Exception {
    Reconciler r = reconciler(1, false);
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false)));
    agents.writes.clear();
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), true)));
    assertThat(agents.writes).containsExactly("maintenance 10.0.0.1 mesos-consul:10.0.0.1:web:10.0.0.1:1 true");
    agents.writes.clear();
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), true)));
    assertThat(agents.writes).isEmpty();
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false)));
    assertThat(agents.writes).containsExactly("maintenance 10.0.0.1 mesos-consul:10.0.0.1:web:10.0.0.1:1 false");
    assertThat(agents.inMaintenance.get("10.0.0.1")).isEmpty();
  }

  @Test
  void aNewReconcilerLiftsMaintenanceLeftByAnEarlierRunOnceTheTaskIsHealthy() throws Exception {
    DesiredService sick = svc("10.0.0.1", "web", 1, List.of(), true);
    reconciler(1, false).reconcile(plan(sick));
    assertThat(agents.inMaintenance.get("10.0.0.1")).containsExactly(sick.id());
    agents.writes.clear();

    // A restart (or another bridge taking over) starts with no memory: Consul says what is in maintenance.
    Reconciler restarted = reconciler(1, false);
    Reconciler.Result result = restarted.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), false)));
    assertThat(agents.writes).containsExactly("maintenance 10.0.0.1 " + sick.id() + " false");
    assertThat(result.maintenanceChanges()).isEqualTo(1);
    assertThat(agents.inMaintenance.get("10.0.0.1")).isEmpty();
  }

  @Test
  void anUnhealthyTaskAlreadyInMaintenanceCostsNoWriteAfterARestart() throws Exception {
    DesiredService sick = svc("10.0.0.1", "web", 1, List.of(), true);
    reconciler(1, false).reconcile(plan(sick));
    agents.writes.clear();
    Reconciler.Result result = reconciler(1, false).reconcile(plan(sick));
    assertThat(agents.writes).isEmpty();
    assertThat(result.maintenanceChanges()).isZero();
  }

  @Test
  void reRegisteringAChangedServiceKeepsItsMaintenanceWithoutAnotherWrite() throws Exception {
    Reconciler r = reconciler(1, false);
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of("a"), true)));
    agents.writes.clear();
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of("a", "b"), true)));
    // Consul keeps the maintenance check through a re-registration of the same ID: only the update is written.
    assertThat(agents.writes).containsExactly("register 10.0.0.1 mesos-consul:10.0.0.1:web:10.0.0.1:1");
  }

  @Test
  void maintenanceLiftedByHandIsSetAgainWhileTheTaskIsUnhealthy() throws Exception {
    Reconciler r = reconciler(1, false);
    DesiredService sick = svc("10.0.0.1", "web", 1, List.of(), true);
    r.reconcile(plan(sick));
    agents.inMaintenance.get("10.0.0.1").clear(); // someone ran `consul maint -disable -service=...`
    agents.writes.clear();
    r.reconcile(plan(sick));
    assertThat(agents.writes).containsExactly("maintenance 10.0.0.1 " + sick.id() + " true");
  }

  @Test
  void dryRunReadsButNeverWrites() throws Exception {
    agents.on("10.0.0.1").put("mesos-consul:old", new RemoteService("mesos-consul:old", "old", "", 1, List.of(), Map.of()));
    Reconciler r = reconciler(1, true);
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), true)));
    r.reconcile(plan(svc("10.0.0.1", "web", 1, List.of(), true)));
    assertThat(agents.writes).isEmpty();
    assertThat(agents.on("10.0.0.1")).containsOnlyKeys("mesos-consul:old");
  }
}
