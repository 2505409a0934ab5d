package dev.discovery.spring.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Health;
import dev.discovery.ServiceInstance;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Spring view of an instance, and its secure flag from metadata or a tag. */
class ConsulServiceInstanceTest {
  private static ServiceInstance instance(Set<String> tags, Map<String, String> meta) {
    return new ServiceInstance("web-1", "web", "127.0.0.1", 8443, tags, meta, 1, Health.PASSING);
  }

  @Test
  void plainInstanceIsHttp() {
    ConsulServiceInstance i = new ConsulServiceInstance(instance(Set.of(), Map.of("v", "2")));
    assertThat(i.getServiceId()).isEqualTo("web");
    assertThat(i.getInstanceId()).isEqualTo("web-1");
    assertThat(i.getHost()).isEqualTo("127.0.0.1");
    assertThat(i.getPort()).isEqualTo(8443);
    assertThat(i.getMetadata()).containsEntry("v", "2");
    assertThat(i.isSecure()).isFalse();
    assertThat(i.getScheme()).isEqualTo("http");
    assertThat(i.getUri()).isEqualTo(URI.create("http://127.0.0.1:8443"));
  }

  @Test
  void secureFromMetaSchemeOrTag() {
    assertThat(new ConsulServiceInstance(instance(Set.of(), Map.of("secure", "true"))).isSecure()).isTrue();
    assertThat(new ConsulServiceInstance(instance(Set.of(), Map.of("scheme", "https"))).isSecure()).isTrue();
    assertThat(new ConsulServiceInstance(instance(Set.of("secure"), Map.of())).getUri())
        .isEqualTo(URI.create("https://127.0.0.1:8443"));
    assertThat(new ConsulServiceInstance(instance(Set.of(), Map.of("secure", "false"))).isSecure()).isFalse();
  }

  @Test
  void ipv6HostIsBracketedInTheUri() {
    ServiceInstance v6 = new ServiceInstance("a", "web", "::1", 80, Set.of(), Map.of(), 1, Health.PASSING);
    assertThat(new ConsulServiceInstance(v6).getUri()).isEqualTo(URI.create("http://[::1]:80"));
  }
}
