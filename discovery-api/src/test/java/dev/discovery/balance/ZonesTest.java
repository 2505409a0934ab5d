package dev.discovery.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.FakeTicker;
import dev.discovery.Health;
import dev.discovery.MapDiscovery;
import dev.discovery.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** A selector with zones: picks stay in the caller's zone while it is healthy and spill over as it degrades. */
class ZonesTest {
  private static final int PICKS = 20_000;
  // 20,000 draws of a share p have a standard deviation under 0.0036: 0.03 is more than 8 of them.
  private static final Offset<Double> CLOSE = Offset.offset(0.03);
  private final MapDiscovery discovery = new MapDiscovery();
  private final FakeTicker clock = new FakeTicker();

  private static ServiceInstance in(String zone, int n, boolean nodeMeta) {
    Map<String, String> meta = zone == null ? Map.of() : Map.of("zone", zone);
    return new ServiceInstance("node-" + n + "/web-" + n, "web", "10.0.0." + n, 8080, Set.of(),
        nodeMeta ? Map.of() : meta, 1, Health.PASSING, nodeMeta ? meta : Map.of());
  }

  private static List<ServiceInstance> threeAndThree(boolean nodeMeta) {
    List<ServiceInstance> all = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      all.add(in(i <= 3 ? "a" : "b", i, nodeMeta));
    }
    return all;
  }

  private ServiceSelector selector(ZoneKey key) {
    return ServiceSelector.builder(discovery).ticker(clock).failuresToEject(1).ejectionTime(Duration.ofMinutes(1))
        .zone("a", key).zoneMemory(Duration.ofMinutes(5)).build();
  }

  /** The share of {@link #PICKS} picks that went to zone a. */
  private static double shareInA(ServiceHandle web) {
    int inA = 0;
    for (int i = 0; i < PICKS; i++) {
      ServiceInstance picked = web.next();
      if ("a".equals(ZoneKey.serviceMeta("zone").zoneOf(picked)) || "a".equals(ZoneKey.nodeMeta("zone").zoneOf(picked))) {
        inA++;
      }
    }
    return (double) inA / PICKS;
  }

  @Test
  void everyPickStaysInAHealthyZoneAndSpillsOverAsItsInstancesAreEjected() {
    List<ServiceInstance> all = threeAndThree(false);
    discovery.services.put("web", all);
    ServiceSelector selector = selector(ZoneKey.serviceMeta("zone"));
    ServiceHandle web = selector.forService("web");
    assertThat(shareInA(web)).isEqualTo(1.0);
    assertThat(web.localZoneShare()).hasValue(1.0);

    web.report(all.get(0), Outcome.FAILURE); // 2 of 3 left in a: 1.4 x 2/3 = 0.933 stays
    assertThat(shareInA(web)).isCloseTo(1.4 * 2 / 3, CLOSE);
    web.report(all.get(1), Outcome.FAILURE); // 1 of 3: 0.467; the level is past 50 % ejected, so it uses all 3
    assertThat(shareInA(web)).isCloseTo(1.4 / 3, CLOSE);

    clock.advance(Duration.ofMinutes(1)); // the ejections end
    assertThat(shareInA(web)).isEqualTo(1.0);
  }

  @Test
  void instancesThatLeaveTheAnswerCountAgainstTheirZoneUntilItsMemoryEnds() {
    List<ServiceInstance> all = threeAndThree(true);
    discovery.services.put("web", all);
    ServiceHandle web = selector(ZoneKey.nodeMeta("zone")).forService("web");
    assertThat(shareInA(web)).isEqualTo(1.0);
    // Two of zone a's instances go critical in Consul: they leave the answer.
    discovery.services.put("web", List.of(all.get(0), all.get(3), all.get(4), all.get(5)));
    assertThat(shareInA(web)).isCloseTo(1.4 / 3, CLOSE);
    clock.advance(Duration.ofMinutes(5)); // a zone that stays at one instance for that long has one instance
    assertThat(shareInA(web)).isEqualTo(1.0);
  }

  @Test
  void instancesWithoutTheKeyAreAnotherZoneAndACallerAloneInItsZoneKeepsEverything() {
    ServiceInstance noZone = in(null, 7, false);
    discovery.services.put("web", List.of(in("a", 1, false), noZone));
    ServiceHandle web = selector(ZoneKey.serviceMeta("zone")).forService("web");
    assertThat(shareInA(web)).isEqualTo(1.0);
    discovery.services.put("web", List.of(noZone, in("b", 2, false)));
    ServiceHandle other = ServiceSelector.builder(discovery).zone("a", ZoneKey.serviceMeta("zone")).build()
        .forService("web");
    assertThat(shareInA(other)).as("no instance in the caller's zone: all spill over").isZero();
  }

  @Test
  void badZoneSettingsAreRefusedNamingTheFix() {
    assertThatThrownBy(() -> ServiceSelector.builder(discovery).zone(" ", ZoneKey.serviceMeta("zone")))
        .hasMessageContaining("caller's zone");
    assertThatThrownBy(() -> ZoneKey.parse("zone")).hasMessageContaining("service:KEY")
        .hasMessageContaining("node:KEY");
    assertThat(ZoneKey.parse("node:rack")).isEqualTo(ZoneKey.nodeMeta("rack")).hasToString("node:rack");
  }
}
