package dev.discovery.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceQuery;
import java.net.URI;
import org.junit.jupiter.api.Test;

class ConsulTargetTest {
  private static ConsulTarget parse(String target) {
    return ConsulTarget.parse(URI.create(target), "consul", true, false);
  }

  @Test
  void theEnvironmentFormNamesNoAgent() {
    ConsulTarget t = parse("consul:///echo");
    assertThat(t.agent()).isNull();
    assertThat(t.query()).isEqualTo(ServiceQuery.of("echo"));
    assertThat(t.policy()).isNull();
  }

  @Test
  void theAuthorityIsTheAgentWithConsulsDefaultPort() {
    assertThat(parse("consul://127.0.0.1:8501/echo").agent()).isEqualTo(URI.create("http://127.0.0.1:8501"));
    assertThat(parse("consul://consul.local/echo").agent()).isEqualTo(URI.create("http://consul.local:8500"));
    assertThat(parse("consul://[::1]:8500/echo").agent()).isEqualTo(URI.create("http://[::1]:8500"));
    assertThat(ConsulTarget.parse(URI.create("consul://10.0.0.1:8501/echo"), "consul", true, true).agent())
        .as("CONSUL_HTTP_SSL").isEqualTo(URI.create("https://10.0.0.1:8501"));
  }

  @Test
  void queryParametersBecomeTheQuery() {
    ConsulTarget t = parse("consul:///echo?tag=v2&tag=eu%2Dwest&dc=dc2&health=warning&lb=pick_first");
    assertThat(t.query()).isEqualTo(ServiceQuery.of("echo").withTags("eu-west", "v2").inDatacenter("dc2")
        .withHealth(HealthFilter.PASSING_OR_WARNING));
    assertThat(t.policy()).isEqualTo("pick_first");
    assertThat(parse("consul:///echo?health=PASSING").query().health()).isEqualTo(HealthFilter.PASSING);
  }

  @Test
  void aPlusInATagStaysAPlusAndOnlyPercentEscapesAreDecoded() {
    assertThat(parse("consul:///echo?tag=c++").query().tags()).containsExactly("c++");
    assertThat(parse("consul:///echo?tag=c%2B%2B").query().tags()).containsExactly("c++");
    assertThat(parse("consul:///echo?tag=a+b&dc=eu+1").query()).isEqualTo(ServiceQuery.of("echo").withTags("a+b")
        .inDatacenter("eu+1"));
  }

  @Test
  void malformedTargetsAreRejectedWithTheReasonAndTheForm() {
    assertThatThrownBy(() -> parse("consul:///echo?dc=a&dc=b")).hasMessageContaining("'dc' is given twice");
    assertThatThrownBy(() -> parse("consul:///echo?tag=")).hasMessageContaining("'tag' needs a value");
    assertThatThrownBy(() -> parse("consul:///echo?tag=a%20b")).hasMessageContaining("tag");
    assertThatThrownBy(() -> parse("consul:///echo#x")).hasMessageContaining("fragment");
    assertThatThrownBy(() -> parse("consul:///")).hasMessageContaining("no service")
        .hasMessageContaining("expected consul:///SERVICE").hasMessageContaining("consul://HOST:PORT/SERVICE");
    assertThatThrownBy(() -> ConsulTarget.parse(URI.create("mine://127.0.0.1/echo"), "mine", false, false))
        .hasMessageContaining("application's own ServiceDiscovery").hasMessageContaining("mine:///SERVICE");
  }

  @Test
  void userInfoIsRefusedWithoutBeingRepeated() {
    assertThatThrownBy(() -> parse("consul://token:secret-value@127.0.0.1/echo"))
        .hasMessageContaining("CONSUL_HTTP_TOKEN")
        .hasMessageContaining("consul://***@127.0.0.1/echo")
        .hasMessageNotContaining("secret-value");
  }
}
