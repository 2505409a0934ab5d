package dev.discovery.micrometer;

import static dev.discovery.micrometer.InMemoryBackend.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.FakeTicker;
import dev.discovery.NoHealthyInstanceException;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.spi.Answer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicrometerObserverTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MicrometerObserver observer = MicrometerObserver.create(registry);
  private final InMemoryBackend backend = new InMemoryBackend();
  private final FakeTicker clock = new FakeTicker();
  private final CachingDiscovery discovery =
      CachingDiscovery.builder(backend).observer(observer).ticker(clock).build();

  @AfterEach
  void close() {
    discovery.close();
  }

  private double lookups(String result) {
    Counter c = registry.find("discovery.lookups").tags("service", "web", "result", result).counter();
    return c == null ? 0 : c.count();
  }

  private double gauge(String name) {
    Gauge g = registry.find(name).tags("service", "web").gauge();
    assertThat(g).as("gauge %s", name).isNotNull();
    return g.value();
  }

  @Test
  void lookupsAreCountedByHowTheyWereServed() {
    backend.holdFirstAnswer = true;
    java.util.concurrent.CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    backend.answerHeld(WEB);
    assertThat(first.join()).hasSize(1);
    backend.holdFirstAnswer = false;
    for (int i = 0; i < 5; i++) {
      discovery.instances(WEB);
    }
    assertThat(lookups("load")).isEqualTo(1);
    assertThat(lookups("hit")).isEqualTo(5);

    backend.fail(new ConnectException("connection refused"), Duration.ofSeconds(2));
    discovery.instances(WEB);
    discovery.instances(WEB);
    assertThat(lookups("stale")).isEqualTo(2);
    assertThat(lookups("hit")).isEqualTo(5);

    backend.firstError = new IOException("agent down");
    ServiceQuery db = ServiceQuery.of("db");
    assertThatThrownBy(() -> discovery.instances(db)).isInstanceOf(RegistryUnavailableException.class);
    Counter failed = registry.find("discovery.lookups").tags("service", "db", "result", "fail").counter();
    assertThat(failed).isNotNull();
    assertThat(failed.count()).isEqualTo(1);
  }

  @Test
  void connectionsRefusedByTheAgentAreCountedAndTheBudgetShown() {
    observer.connectionRefused("consul-http", 32);
    observer.connectionRefused("consul-http", 16);
    assertThat(registry.find("discovery.connections.refused").tags("backend", "consul-http").counter().count())
        .isEqualTo(2.0);
    assertThat(registry.find("discovery.connections.budget").tags("backend", "consul-http").gauge().value())
        .isEqualTo(16.0);
  }

  @Test
  void tagsNameTheServiceBackendAndDatacenterButNoAddress() {
    discovery.instances(WEB);
    discovery.instances(ServiceQuery.of("api").inDatacenter("dc2"));
    Meter web = registry.find("discovery.lookups").tags("service", "web", "result", "load").meter();
    assertThat(web.getId().getTags()).extracting(t -> t.getKey() + "=" + t.getValue())
        .containsExactlyInAnyOrder("service=web", "backend=in-memory", "dc=default", "result=load");
    assertThat(registry.find("discovery.cache.instances").tags("service", "api", "dc", "dc2").gauge()).isNotNull();
    for (Meter m : registry.getMeters()) {
      assertThat(m.getId().getTags()).as("tags of %s", m.getId().getName())
          .noneMatch(t -> t.getValue().contains("10.0.0.") || t.getValue().contains("test backend"));
    }
  }

  @Test
  void gaugesFollowAnOutageAndTheRecovery() {
    discovery.instances(WEB);
    backend.push(instance("web", 1), instance("web", 2));
    assertThat(gauge("discovery.cache.instances")).isEqualTo(2);
    assertThat(gauge("discovery.cache.stale")).isZero();
    assertThat(gauge("discovery.watch.backoff")).isZero();
    assertThat(gauge("discovery.cache.staleness")).isZero();

    backend.fail(new ConnectException("connection refused"), Duration.ofSeconds(2));
    backend.fail(new ConnectException("connection refused"), Duration.ofSeconds(4));
    backend.fail(new IllegalStateException("invalid answer"), Duration.ofSeconds(8));
    assertThat(gauge("discovery.cache.stale")).isEqualTo(1);
    assertThat(gauge("discovery.watch.backoff")).isEqualTo(8.0);
    assertThat(gauge("discovery.cache.instances")).as("the last good answer").isEqualTo(2);
    assertThat(registry.find("discovery.refresh.errors").tags("cause", "ConnectException").counter().count())
        .isEqualTo(2);
    assertThat(registry.find("discovery.refresh.errors").tags("cause", "IllegalStateException").counter()
        .count()).isEqualTo(1);
    clock.advance(Duration.ofMillis(90_500));
    assertThat(gauge("discovery.cache.staleness")).as("seconds since the last good answer").isEqualTo(90.5);

    backend.push(instance("web", 1));
    assertThat(gauge("discovery.cache.stale")).isZero();
    assertThat(gauge("discovery.watch.backoff")).as("healthy again").isZero();
    assertThat(gauge("discovery.cache.instances")).isEqualTo(1);
    assertThat(gauge("discovery.cache.staleness")).as("fresh again").isZero();
  }

  @Test
  void changesCountOnlyAnswersThatDiffer() {
    discovery.instances(WEB);
    backend.push(instance("web", 1)); // the same as the first answer
    backend.push(instance("web", 1), instance("web", 2));
    backend.push(instance("web", 1), instance("web", 2));
    backend.push(instance("web", 2));
    assertThat(registry.find("discovery.refresh.changes").tags("service", "web").counter().count()).isEqualTo(2);
  }

  @Test
  void queriesOfOneServiceShareMetersWhichGoWhenTheLastCloses() {
    backend.responder = q -> Answer.of(q.tags().isEmpty()
        ? List.of(instance("web", 1), instance("web", 2), instance("web", 3))
        : List.of(new ServiceInstance("v2", "web", "10.0.0.9", 80, q.tags(), java.util.Map.of(), 1,
            dev.discovery.Health.PASSING)));
    CachingDiscovery idle = CachingDiscovery.builder(backend).observer(MicrometerObserver.create(registry,
        Tags.of("cluster", "idle"))).idleTimeout(Duration.ofMinutes(15)).ticker(clock).build();
    try {
      idle.instances(WEB);
      idle.instances(WEB.withTags("v2"));
      assertThat(registry.find("discovery.lookups").tags("cluster", "idle").counters())
          .as("one lookup counter per result, shared by both queries").hasSize(4)
          .extracting(Counter::count).containsOnly(0.0, 2.0).contains(2.0);
      assertThat(registry.find("discovery.cache.instances").tags("cluster", "idle").gauge().value())
          .as("the largest of the two queries").isEqualTo(3);
      assertThat(idle.watchedQueries()).isEqualTo(2);
      clock.advance(Duration.ofMinutes(15).plusNanos(1));
      assertThat(idle.watchedQueries()).as("both idle for longer than the idle time").isZero();
      assertThat(registry.find("discovery.lookups").tags("cluster", "idle").meters())
          .as("the meters of evicted queries").isEmpty();
      assertThat(registry.find("discovery.cache.staleness").tags("cluster", "idle").meters()).isEmpty();
    } finally {
      idle.close();
    }
    discovery.instances(WEB);
    assertThat(registry.find("discovery.cache.instances").tags("service", "web").gauge()).isNotNull();
    discovery.close();
    assertThat(registry.getMeters()).as("every cache meter removed on close").isEmpty();
  }

  @Test
  void selectorEjectionsPanicAndNoInstance() {
    backend.responder = q -> Answer.of(q.service().equals("web")
        ? List.of(instance("web", 1), instance("web", 2), instance("web", 3), instance("web", 4))
        : List.of());
    ServiceSelector selector = ServiceSelector.builder(discovery).observer(observer)
        .failuresToEject(1).ejectionTime(Duration.ofMinutes(5)).build();
    for (int i = 1; i <= 3; i++) {
      selector.report(instance("web", i), Outcome.FAILURE);
    }
    for (int i = 0; i < 50; i++) {
      selector.next("web");
    }
    assertThatThrownBy(() -> selector.next("db")).isInstanceOf(NoHealthyInstanceException.class);
    assertThatThrownBy(() -> selector.next("db")).isInstanceOf(NoHealthyInstanceException.class);
    Tags web = Tags.of("service", "web", "backend", "in-memory");
    assertThat(registry.find("discovery.selector.ejections").tags(web).counter().count()).isEqualTo(3);
    assertThat(registry.find("discovery.selector.panic").tags(web).counter().count()).as("once per episode")
        .isEqualTo(1);
    assertThat(registry.find("discovery.selector.no.instance").tags("service", "db").counter().count())
        .isEqualTo(2);
  }

  @Test
  void cacheHitsDoNotAllocateWithMetersInstalled() {
    ServiceQuery query = ServiceQuery.of("web").withTags("v2");
    backend.responder = q -> Answer.of(List.of(new ServiceInstance("a", "web", "10.0.0.1", 80,
        java.util.Set.of("v2"), java.util.Map.of(), 1, dev.discovery.Health.PASSING)));
    discovery.instances(query);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    for (int i = 0; i < 200_000; i++) { // warm up so that the measured loop runs compiled code
      discovery.instances(query);
    }
    long before = threads.getThreadAllocatedBytes(self);
    for (int i = 0; i < 100_000; i++) {
      discovery.instances(query);
    }
    long allocated = threads.getThreadAllocatedBytes(self) - before;
    assertThat(allocated).as("bytes allocated by 100,000 counted lookups").isLessThan(16 * 1024);
    assertThat(registry.find("discovery.lookups").tags("result", "hit").counter().count())
        .as("every lookup counted").isGreaterThanOrEqualTo(300_000);
  }
}
