package dev.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

  @Test
  void queryRejectsBadNamesAndTagsNamingTheField() {
    assertThatThrownBy(() -> ServiceQuery.of(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("service name");
    assertThatThrownBy(() -> ServiceQuery.of("web api")).hasMessageContaining("'web api'");
    assertThatThrownBy(() -> ServiceQuery.of("web").withTags("a,b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tag").hasMessageContaining("'a,b'");
    assertThatThrownBy(() -> ServiceQuery.of("web").withTags("a b")).hasMessageContaining("whitespace");
    assertThatThrownBy(() -> ServiceQuery.of("web").inDatacenter("dc 1")).hasMessageContaining("datacenter");
  }

  @Test
  void queriesWithTheSameTagsInAnotherOrderAreOneCacheKey() {
    ServiceQuery a = ServiceQuery.of("web").withTags("v2", "eu");
    ServiceQuery b = ServiceQuery.of("web").withTags("eu").withTags("v2");
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(b.withHealth(HealthFilter.PASSING_OR_WARNING));
    assertThat(a).isNotEqualTo(b.inDatacenter("dc2"));
    assertThat(a.toString()).contains("web").contains("eu").contains("v2");
  }

  @Test
  void instanceRejectsBadPortsHostsAndWeights() {
    assertThatThrownBy(() -> ServiceInstance.of("web", "10.0.0.1", 0)).hasMessageContaining("port")
        .hasMessageContaining("1..65535");
    assertThatThrownBy(() -> ServiceInstance.of("web", "10.0.0.1", 65536)).hasMessageContaining("port");
    assertThatThrownBy(() -> ServiceInstance.of("web", "", 80)).hasMessageContaining("host");
    assertThatThrownBy(() -> new ServiceInstance("i", "web", "h", 80, Set.of(), Map.of(), 0, Health.PASSING))
        .hasMessageContaining("weight");
  }

  @Test
  void instanceCopiesItsCollections() {
    Set<String> tags = new HashSet<>(List.of("a"));
    ServiceInstance i = new ServiceInstance("i", "web", "h", 80, tags, null, 1, Health.PASSING);
    tags.add("b");
    assertThat(i.tags()).containsExactly("a");
    assertThat(i.meta()).isEmpty();
    assertThatThrownBy(() -> i.tags().add("c")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void addressBracketsIpv6() {
    assertThat(ServiceInstance.of("web", "2001:db8::1", 8080).address()).isEqualTo("[2001:db8::1]:8080");
    assertThat(ServiceInstance.of("web", "10.0.0.1", 8080).address()).isEqualTo("10.0.0.1:8080");
  }

  @Test
  void queryMatchingIsCaseInsensitiveOnNamesAndTagsAndHonoursHealth() {
    ServiceInstance warning = new ServiceInstance("i", "Web", "h", 80, Set.of("V2"), Map.of(), 1, Health.WARNING);
    assertThat(ServiceQuery.of("web").withTags("v2").matches(warning)).isFalse();
    assertThat(ServiceQuery.of("web").withTags("v2").withHealth(HealthFilter.PASSING_OR_WARNING).matches(warning))
        .isTrue();
    assertThat(ServiceQuery.of("web").withTags("v3").withHealth(HealthFilter.PASSING_OR_WARNING).matches(warning))
        .isFalse();
  }
}
