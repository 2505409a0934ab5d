package dev.discovery.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.FakeTicker;
import dev.discovery.MapDiscovery;
import dev.discovery.NoHealthyInstanceException;
import dev.discovery.ServiceInstance;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSelectorTest {
  private final MapDiscovery discovery = new MapDiscovery();
  private final List<ServiceInstance> four = LoadBalancersTest.instances(4);

  @Test
  void roundRobinsByDefault() {
    discovery.services.put("web", four);
    ServiceSelector selector = ServiceSelector.builder(discovery).build();
    // The rotation starts wherever the calling thread's stripe starts, then walks the list in order.
    int first = four.indexOf(selector.next("web"));
    for (int i = 1; i < 8; i++) {
      assertThat(selector.next("web")).isEqualTo(four.get((first + i) % 4));
    }
  }

  @Test
  void aHandleAndNextByNameShareOneRotationAndOneHandle() {
    discovery.services.put("web", four);
    ServiceSelector selector = ServiceSelector.builder(discovery).build();
    ServiceHandle web = selector.forService("web");
    assertThat(selector.forService("web")).isSameAs(web);
    assertThat(selector.forQuery(dev.discovery.ServiceQuery.of("web"))).isSameAs(web);
    int first = four.indexOf(web.next());
    assertThat(selector.next("web")).isEqualTo(four.get((first + 1) % 4));
    assertThat(web.next()).isEqualTo(four.get((first + 2) % 4));
  }

  @Test
  void aHandleFollowsListChangesAndLeavesEjectedInstancesOutUntilTheirCoolDownEnds() {
    discovery.services.put("web", four);
    FakeTicker clock = new FakeTicker();
    ServiceSelector selector = ServiceSelector.builder(discovery).ticker(clock)
        .failuresToEject(1).ejectionTime(Duration.ofSeconds(30)).build();
    ServiceHandle web = selector.forService("web");
    web.next();
    web.report(four.get(3), Outcome.FAILURE);
    assertThat(web.usable()).as("rebuilt when the outcome ejected it").containsExactly(
        four.get(0), four.get(1), four.get(2));
    List<ServiceInstance> two = four.subList(2, 4);
    discovery.services.put("web", two); // one of two ejected: within 50 %, still left out
    for (int i = 0; i < 10; i++) {
      assertThat(web.next()).isEqualTo(four.get(2));
    }
    clock.advance(Duration.ofSeconds(30));
    Map<ServiceInstance, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      counts.merge(web.next(), 1, Integer::sum);
    }
    assertThat(counts).as("back in rotation when the cool-down ends").containsOnlyKeys(two)
        .containsEntry(four.get(2), 5).containsEntry(four.get(3), 5);
  }

  @Test
  void noInstanceIsAClearError() {
    ServiceSelector selector = ServiceSelector.builder(discovery).build();
    assertThatThrownBy(() -> selector.next("web"))
        .isInstanceOf(NoHealthyInstanceException.class).hasMessageContaining("'web'");
  }

  @Test
  void consecutiveFailuresEjectAnInstanceForTheCoolDown() {
    discovery.services.put("web", four);
    FakeTicker clock = new FakeTicker();
    Duration coolDown = Duration.ofSeconds(30);
    ServiceSelector selector = ServiceSelector.builder(discovery).ticker(clock)
        .failuresToEject(3).ejectionTime(coolDown).build();
    ServiceInstance bad = four.get(0);
    selector.report(bad, Outcome.FAILURE);
    selector.report(bad, Outcome.FAILURE);
    selector.report(bad, Outcome.SUCCESS); // a success resets the streak
    selector.report(bad, Outcome.FAILURE);
    selector.report(bad, Outcome.FAILURE);
    assertThat(selector.isEjected(bad)).isFalse();
    selector.report(bad, Outcome.FAILURE);
    assertThat(selector.isEjected(bad)).isTrue();

    for (int i = 0; i < 40; i++) {
      assertThat(selector.next("web")).isNotEqualTo(bad);
    }
    clock.advance(coolDown.minusNanos(1));
    assertThat(selector.isEjected(bad)).as("a nanosecond before the cool-down ends").isTrue();
    for (int i = 0; i < 40; i++) {
      assertThat(selector.next("web")).isNotEqualTo(bad);
    }
    clock.advanceNanos(1);
    assertThat(selector.isEjected(bad)).as("when the cool-down ends").isFalse();
    List<ServiceInstance> picks = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      picks.add(selector.next("web"));
    }
    assertThat(picks).as("back in rotation after the cool-down").contains(bad);
  }

  @Test
  void aFailureStreakOutlivesItsCoolDownOnlyAsAStreak() {
    // After a cool-down the instance starts over: it takes the full number of failures to eject it again.
    discovery.services.put("web", four);
    FakeTicker clock = new FakeTicker();
    ServiceSelector selector = ServiceSelector.builder(discovery).ticker(clock)
        .failuresToEject(2).ejectionTime(Duration.ofSeconds(30)).build();
    ServiceInstance bad = four.get(1);
    selector.report(bad, Outcome.FAILURE);
    selector.report(bad, Outcome.FAILURE);
    assertThat(selector.isEjected(bad)).isTrue();
    clock.advance(Duration.ofSeconds(30));
    assertThat(selector.isEjected(bad)).isFalse();
    selector.report(bad, Outcome.FAILURE);
    assertThat(selector.isEjected(bad)).as("one failure after the cool-down").isFalse();
    selector.report(bad, Outcome.FAILURE);
    assertThat(selector.isEjected(bad)).isTrue();
    clock.advance(Duration.ofSeconds(29));
    assertThat(selector.isEjected(bad)).as("a second ejection lasts the full cool-down again").isTrue();
  }

  @Test
  void neverEjectsSoManyThatNothingIsLeft() {
    discovery.services.put("web", four);
    ServiceSelector selector = ServiceSelector.builder(discovery)
        .failuresToEject(1).ejectionTime(Duration.ofMinutes(5)).maxEjectedPercent(50).build();
    selector.report(four.get(0), Outcome.FAILURE);
    selector.report(four.get(1), Outcome.FAILURE);
    for (int i = 0; i < 20; i++) {
      assertThat(selector.next("web")).isIn(four.get(2), four.get(3));
    }
    selector.report(four.get(2), Outcome.FAILURE); // 3 of 4 ejected: beyond 50 %, panic
    Map<ServiceInstance, Integer> counts = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      counts.merge(selector.next("web"), 1, Integer::sum);
    }
    assertThat(counts.keySet()).as("panic mode uses every instance").containsExactlyInAnyOrderElementsOf(four);
  }

  @Test
  void eachEjectionIsOneInfoAndPanicOneWarnHowEverManySelectionsFollow() {
    discovery.services.put("web", four);
    ServiceSelector selector = ServiceSelector.builder(discovery)
        .failuresToEject(2).ejectionTime(Duration.ofMinutes(5)).maxEjectedPercent(50).build();
    try (dev.discovery.LogCapture log = new dev.discovery.LogCapture()) {
      for (int i = 0; i < 3; i++) { // 3 of 4 ejected: beyond 50 %, panic
        selector.report(four.get(i), Outcome.FAILURE);
        selector.report(four.get(i), Outcome.FAILURE);
      }
      for (int i = 0; i < 100; i++) {
        selector.next("web");
      }
      assertThat(log.at(java.util.logging.Level.INFO)).as("INFO lines in:\n%s", log.describe()).hasSize(3)
          .allSatisfy(r -> assertThat(r.getMessage()).contains("ejected instance", "'web'", "2 consecutive"));
      assertThat(log.at(java.util.logging.Level.WARNING)).as("WARN lines in:\n%s", log.describe()).hasSize(1)
          .allSatisfy(r -> assertThat(r.getMessage()).contains("3 of 4", "'web'", "panic"));
    }
  }

  @Test
  void leastInFlightSeesCallsStartedAndReported() {
    discovery.services.put("web", LoadBalancersTest.instances(2));
    ServiceSelector selector = ServiceSelector.builder(discovery)
        .balancer(LoadBalancers.leastInFlight()).build();
    ServiceInstance busy = selector.next("web"); // in flight, never reported
    for (int i = 0; i < 50; i++) {
      ServiceInstance other = selector.next("web");
      assertThat(other).isNotEqualTo(busy);
      selector.report(other, Outcome.SUCCESS);
    }
  }

  @Test
  void builderRejectsNonsense() {
    assertThatThrownBy(() -> ServiceSelector.builder(discovery).maxEjectedPercent(101))
        .hasMessageContaining("maxEjectedPercent");
    assertThatThrownBy(() -> ServiceSelector.builder(discovery).failuresToEject(-1))
        .hasMessageContaining("failuresToEject");
  }
}
