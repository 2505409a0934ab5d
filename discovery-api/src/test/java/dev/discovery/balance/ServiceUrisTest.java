package dev.discovery.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.ServiceInstance;
import java.net.URI;
import org.junit.jupiter.api.Test;

class ServiceUrisTest {
  private final ServiceUris uris = ServiceUris.defaults();

  @Test
  void aHostWithTheSuffixNamesTheServiceAndOthersNone() {
    assertThat(uris.serviceOf("web.service")).isEqualTo("web");
    assertThat(uris.serviceOf("Web.SERVICE")).isEqualTo("Web");
    assertThat(uris.serviceOf("web.service.")).isEqualTo("web");
    assertThat(uris.serviceOf("web.example.com")).isNull();
    assertThat(uris.serviceOf(".service")).isNull();
    assertThat(uris.serviceOf("a.web.service")).isNull();
    assertThat(uris.serviceOf("webservice")).isNull();
    assertThat(uris.serviceOf((String) null)).isNull();
    assertThat(uris.serviceOf(URI.create("https://billing.service:8443/x"))).isEqualTo("billing");
  }

  @Test
  void aConfiguredSuffixReplacesTheDefault() {
    ServiceUris consul = ServiceUris.withSuffix(".Service.Consul");
    assertThat(consul.serviceOf("web.service.consul")).isEqualTo("web");
    assertThat(consul.serviceOf("web.service")).isNull();
    assertThat(consul.suffix()).isEqualTo(".service.consul");
  }

  @Test
  void aSuffixThatIsNoDomainIsRejectedWithTheFix() {
    for (String bad : new String[] {"service", ".", " ", ".svc/x", ".a b"}) {
      assertThatThrownBy(() -> ServiceUris.withSuffix(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\".service\"");
    }
    assertThatThrownBy(() -> ServiceUris.withSuffix(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resolvingReplacesHostAndPortAndKeepsEverythingElseEncodedAsItWas() {
    ServiceInstance v4 = ServiceInstance.of("web", "10.0.0.7", 31000);
    ServiceInstance v6 = ServiceInstance.of("web", "fd00::7", 31001);

    assertThat(uris.resolve(URI.create("https://u:p@web.service/a%2Fb/c?q=%20x&y#frag"), v4))
        .isEqualTo(URI.create("https://u:p@10.0.0.7:31000/a%2Fb/c?q=%20x&y#frag"));
    assertThat(uris.resolve(URI.create("http://web.service:80"), v6))
        .isEqualTo(URI.create("http://[fd00::7]:31001"));
  }
}
