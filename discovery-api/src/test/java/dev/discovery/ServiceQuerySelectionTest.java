package dev.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-query selections: each one makes its own cache key, is checked at once, and prints in messages. */
class ServiceQuerySelectionTest {
  private static ServiceInstance instance(Set<String> tags, Map<String, String> meta) {
    return new ServiceInstance("n1/web-1", "web", "10.0.0.1", 8080, tags, meta, 1, Health.PASSING);
  }

  @Test
  void aQueryDifferingOnlyInASelectionIsAnotherCacheKey() {
    ServiceQuery base = ServiceQuery.of("web");
    for (ServiceQuery other : new ServiceQuery[] {
        base.withAnyTag("a"), base.withServiceMeta("v", "1"), base.withNodeMeta("rack", "r1"),
        base.withFilter("Service.Port == 80"), base.near("_agent"), base.withFailover("dc2"),
        base.withFailover("dc2").withMinHealthy(2), ServiceQuery.preparedQuery("web")}) {
      assertThat(other).as("%s", other).isNotEqualTo(base);
    }
    assertThat(base.withFailover("dc2", "dc3")).isNotEqualTo(base.withFailover("dc3", "dc2")); // order matters
    assertThat(base.withAnyTag("b", "a")).isEqualTo(base.withAnyTag("a").withAnyTag("b"))
        .hasSameHashCodeAs(base.withAnyTag("a").withAnyTag("b"));
    assertThat(base.withServiceMeta("b", "2").withServiceMeta("a", "1"))
        .isEqualTo(base.withServiceMeta("a", "1").withServiceMeta("b", "2"));
    assertThat(base.withFilter("x == 1").withFilter(null)).isEqualTo(base);
    assertThat(base.withFailover("dc2").withFailover()).isEqualTo(base);
  }

  @Test
  void badSelectionsAreRefusedNamingTheFieldAndTheFix() {
    ServiceQuery q = ServiceQuery.of("web");
    assertThatThrownBy(() -> q.withServiceMeta("ver sion", "1")).hasMessageContaining("service meta key 'ver sion'")
        .hasMessageContaining("letters, digits, dashes or underscores");
    assertThatThrownBy(() -> q.withNodeMeta("rack", null)).hasMessageContaining("node meta value of 'rack'");
    assertThatThrownBy(() -> q.withFilter(" ")).hasMessageContaining("filter of 'web'");
    assertThatThrownBy(() -> q.withFilter("a ==\n1")).hasMessageContaining("control characters");
    assertThatThrownBy(() -> q.withFailover("dc2", "dc2")).hasMessageContaining("'dc2'")
        .hasMessageContaining("listed twice");
    assertThatThrownBy(() -> q.withMinHealthy(0)).hasMessageContaining("at least 1, was 0");
    assertThatThrownBy(() -> q.withAnyTag("a,b")).hasMessageContaining("any-of tag");
    assertThatThrownBy(() -> ServiceQuery.preparedQuery("geo/web")).hasMessageContaining("prepared query name");
  }

  @Test
  void aPreparedQueryTakesOnlyWhatConsulDoesNotDefineForIt() {
    ServiceQuery p = ServiceQuery.preparedQuery("web-geo").inDatacenter("dc2").near("_agent");
    assertThat(p.prepared()).isTrue();
    assertThat(p.toString()).isEqualTo("prepared query 'web-geo' near=_agent dc=dc2");
    assertThatThrownBy(() -> p.withTags("v2")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("prepared query 'web-geo'").hasMessageContaining("defined in Consul");
    // Consul selects the instances of a prepared query: whatever it returns is kept.
    ServiceInstance warning = new ServiceInstance("n/x", "other", "10.0.0.2", 80, Set.of(), Map.of(), 1,
        Health.WARNING);
    assertThat(p.matches(warning)).isTrue();
  }

  @Test
  void matchesChecksWhatTheInstanceCarries() {
    ServiceQuery q = ServiceQuery.of("web").withAnyTag("blue", "green").withServiceMeta("version", "2");
    assertThat(q.matches(instance(Set.of("GREEN"), Map.of("version", "2")))).isTrue();
    assertThat(q.matches(instance(Set.of("red"), Map.of("version", "2")))).as("no tag of the set").isFalse();
    assertThat(q.matches(instance(Set.of("blue"), Map.of("version", "3")))).as("other meta").isFalse();
    assertThat(q.matches(instance(Set.of("blue"), Map.of()))).as("meta missing").isFalse();
    // Node meta is applied by the registry; an instance whose node meta is unknown is not dropped here.
    assertThat(ServiceQuery.of("web").withNodeMeta("rack", "r1").matches(instance(Set.of(), Map.of()))).isTrue();
  }

  @Test
  void toStringShowsEverySelection() {
    assertThat(ServiceQuery.of("web").withTags("v2").withAnyTag("a", "b").withServiceMeta("v", "1")
        .withNodeMeta("rack", "r1").withFilter("Service.Port == 80").near("_agent").inDatacenter("dc1")
        .withFailover("dc2", "dc3").withMinHealthy(2).withHealth(HealthFilter.PASSING_OR_WARNING).toString())
        .isEqualTo("'web' tags=[v2] any-tag=[a, b] meta={v=1} node-meta={rack=r1} filter=Service.Port == 80"
            + " near=_agent dc=dc1 failover=[dc2, dc3] min-healthy=2 health=passing_or_warning");
  }
}
