package dev.discovery.consul.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.AgentCheck;
import dev.discovery.consul.AgentService;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulAgentException;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.Registration;
import dev.discovery.consul.ServiceCatalog;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.http.ConsulHttpBuilder;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Managed registrations against a Consul agent: TTL heartbeats, deregistration, survival of an agent restart. */
class AgentRegistrationIntegrationTest {
  private ConsulUnderTest consul;
  private ConsulAgent agent;

  @BeforeEach
  void start() {
    consul = ConsulUnderTest.start();
    agent = consul.agent();
  }

  @AfterEach
  void stop() {
    agent.close();
    consul.close();
  }

  private CachingDiscovery discovery() {
    ConsulHttpBuilder b = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(consul.httpUri())
        .errorBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
    consul.token().ifPresent(b::token);
    return b.build();
  }

  /**
   * Heartbeats go every TTL/3; 3 s leaves ~2 s for a late heartbeat or an agent restart on a slow, shared
   * machine before the check would lapse to critical and empty the passing-only answer.
   */
  private static final Duration TTL = Duration.ofSeconds(3);

  private ServiceRegistration webWithTtl(String name, Duration ttl) {
    return ServiceRegistration.builder(name).id(name + "-1").address("10.0.0.5").port(8080).tags("v1")
        .meta("version", "1.2.3").weights(5, 1).check(CheckDefinition.ttl(ttl)).build();
  }

  @Test
  void heartbeatsKeepATtlCheckPassingAndCloseDeregisters() {
    String name = ConsulUnderTest.uniqueName("web");
    ServiceQuery query = ServiceQuery.of(name);
    try (CachingDiscovery discovery = discovery()) {
      Registration reg = agent.register(webWithTtl(name, TTL));
      long registered = System.nanoTime(); // after the agent took the check: it would lapse before TTL from here
      Await.until("the registered instance to be passing", () -> discovery.instances(query).size() == 1);
      ServiceInstance i = discovery.instances(query).get(0);
      assertThat(i.address()).isEqualTo("10.0.0.5:8080");
      assertThat(i.tags()).containsExactly("v1");
      assertThat(i.meta()).containsEntry("version", "1.2.3");
      assertThat(i.weight()).isEqualTo(5);

      // Past the TTL the check is still passing: only the heartbeats can have kept it so.
      long pastTtl = registered + TTL.plusMillis(500).toNanos();
      Await.until("more than one TTL period since the registration", () -> System.nanoTime() > pastTtl);
      if (!consul.real()) {
        ConsulTestAgent kit = consul.testkit();
        String pass = "/v1/agent/check/pass/service:" + name + "-1";
        Await.until("three heartbeats", () -> kit.requestCount(pass) >= 3);
      }
      assertThat(discovery.instances(query)).hasSize(1);
      assertThat(reg.healthy()).isTrue();
      assertThat(agent.services()).extracting(AgentService::id).contains(name + "-1");

      reg.close();
      Await.until("the instance to disappear after close", () -> discovery.instances(query).isEmpty());
      assertThat(agent.services()).extracting(AgentService::id).doesNotContain(name + "-1");
    }
  }

  @Test
  void reRegistersAfterTheAgentRestartsAndForgetsIt() {
    ConsulTestAgent kit = consul.testkit();
    String name = ConsulUnderTest.uniqueName("svc");
    ServiceQuery query = ServiceQuery.of(name);
    try (CachingDiscovery discovery = discovery();
         Registration reg = agent.register(webWithTtl(name, TTL))) {
      Await.until("the first registration", () -> discovery.instances(query).size() == 1);
      kit.restart(); // loses every registration
      Await.until("the registration to come back",
          () -> agent.services().stream().anyMatch(s -> s.id().equals(name + "-1")));
      Await.until("discovery to see it passing again", () -> discovery.instances(query).size() == 1);
      assertThat(kit.requestCount("/v1/agent/service/register")).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void theCatalogListsAServiceWhateverItsHealthWhileTheHealthApiShowsNone() {
    String name = ConsulUnderTest.uniqueName("sick");
    ServiceQuery query = ServiceQuery.of(name);
    ServiceRegistration reg = webWithTtl(name, Duration.ofMinutes(5));
    try (CachingDiscovery discovery = discovery()) {
      agent.registerService(reg);
      agent.failTtl(reg.checkIds().get(0), "broken");
      Await.until("the catalog to list it", () -> agent.catalogServices(null).contains(name));
      assertThat(discovery.instances(query)).isEmpty(); // registered, but not passing
      ServiceCatalog catalog = agent.catalogServices(null);
      assertThat(catalog.tags(name)).contains("v1").doesNotContain("v9");
      assertThat(catalog.contains(ConsulUnderTest.uniqueName("unknown"))).isFalse();
      ServiceCatalog later = agent.catalogServices(null, catalog.index(), Duration.ofSeconds(1));
      assertThat(later.contains(name)).as("a blocking read that times out answers the same catalog").isTrue();
    } finally {
      agent.deregisterService(reg.id());
    }
  }

  @Test
  void deregisteringAnUnknownIdIsNotFound() {
    ConsulAgentException e = org.junit.jupiter.api.Assertions.assertThrows(ConsulAgentException.class,
        () -> agent.deregisterService(ConsulUnderTest.uniqueName("nobody")));
    assertThat(e.notFound()).isTrue();
  }

  @Test
  void maintenanceHidesAnInstanceFromHealthyLookups() {
    String name = ConsulUnderTest.uniqueName("maint");
    ServiceQuery query = ServiceQuery.of(name);
    try (CachingDiscovery discovery = discovery();
         Registration reg = agent.register(webWithTtl(name, Duration.ofSeconds(30)))) {
      Await.until("the instance", () -> discovery.instances(query).size() == 1);
      agent.maintenance(name + "-1", true, "deploying");
      Await.until("maintenance to hide it", () -> discovery.instances(query).isEmpty());
      agent.maintenance(name + "-1", false, null);
      Await.until("it to come back", () -> discovery.instances(query).size() == 1);
      assertThat(List.of(reg.service().id())).containsExactly(name + "-1");
    }
  }

  @Test
  void maintenanceIsReadBackAsAServiceMaintenanceCheck() {
    String name = ConsulUnderTest.uniqueName("maintcheck");
    String id = name + "-1";
    try (Registration reg = agent.register(webWithTtl(name, Duration.ofSeconds(30)))) {
      assertThat(agent.checks()).filteredOn(c -> c.serviceId().equals(id))
          .extracting(AgentCheck::id).containsExactly("service:" + id);
      agent.maintenance(id, true, "draining for deploy");
      AgentCheck m = agent.checks().stream().filter(c -> c.id().equals(AgentCheck.SERVICE_MAINTENANCE_PREFIX + id))
          .findFirst().orElseThrow(() -> new AssertionError("no maintenance check for " + id));
      assertThat(m.serviceMaintenance()).isTrue();
      assertThat(m.serviceId()).isEqualTo(id);
      assertThat(m.serviceName()).isEqualTo(name);
      assertThat(m.status()).isEqualTo("critical");
      assertThat(m.notes()).isEqualTo("draining for deploy");
      // Re-registering the same ID (as a bridge that changed a tag does) keeps the service in maintenance.
      agent.registerService(webWithTtl(name, Duration.ofSeconds(30)));
      assertThat(agent.checks()).extracting(AgentCheck::id).contains(AgentCheck.SERVICE_MAINTENANCE_PREFIX + id);
      agent.maintenance(id, false, null);
      assertThat(agent.checks()).noneMatch(c -> c.serviceMaintenance() && c.serviceId().equals(id));
      assertThat(reg.healthy()).isTrue();
    }
  }
}
