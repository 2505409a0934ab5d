package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The one agent-address rule, and that both clients of an agent apply it: before the transport was shared,
 * {@code ConsulAgent} accepted a fragment that the discovery backend refused.
 */
class AgentAddressTest {
  private static final List<Consumer<URI>> CLIENTS = List.of(
      AgentAddress::check,
      uri -> ConsulAgent.builder().uri(uri),
      uri -> ConsulDiscovery.http().agents(uri));

  @Test
  void httpAndHttpsUrlsWithAHostAreAccepted() {
    for (Consumer<URI> client : CLIENTS) {
      client.accept(URI.create("http://127.0.0.1:8500"));
      client.accept(URI.create("https://consul.example:8501/"));
      client.accept(URI.create("http://[::1]:8500"));
    }
    assertThat(AgentAddress.check(URI.create("http://127.0.0.1:8500"))).hasPort(8500);
  }

  @Test
  void everyClientRefusesUserInfoQueryAndFragmentWithoutShowingThem() {
    for (Consumer<URI> client : CLIENTS) {
      for (String bad : List.of("http://user:s3cret@127.0.0.1:8500", "http://127.0.0.1:8500/?token=s3cret",
          "http://127.0.0.1:8500/#s3cret")) {
        assertThatThrownBy(() -> client.accept(URI.create(bad)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("must not carry user info, a query or a fragment")
            .hasMessageContaining("token(...)")
            .hasMessageNotContaining("s3cret");
      }
    }
  }

  @Test
  void otherSchemesAndMissingHostsAreRefusedWithAnExample() {
    for (Consumer<URI> client : CLIENTS) {
      assertThatThrownBy(() -> client.accept(URI.create("ftp://127.0.0.1:8500")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://127.0.0.1:8500");
      assertThatThrownBy(() -> client.accept(URI.create("http:///v1")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no host");
    }
  }

  @Test
  void noMessageShowsUserInfoEvenWhenTheAddressDoesNotParseAsMeant() {
    // p@ss: no server authority, so Java sees neither user info nor host; a missing scheme makes "user" one.
    for (String bad : List.of("http://user:p@ss@127.0.0.1:8500", "http://user:s3cret@bad_host:8500",
        "user:s3cret@127.0.0.1:8500", "consul://user:s3cret@127.0.0.1:8500", "consul://user:p@ss@bad_host")) {
      for (Consumer<URI> client : CLIENTS) {
        assertThatThrownBy(() -> client.accept(URI.create(bad)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageNotContaining("s3cret").hasMessageNotContaining("p@ss").hasMessageNotContaining("user:");
      }
    }
    assertThat(AgentAddress.withoutSecrets("http://u:p@ss@host:1/v1/x?token=t#f")).isEqualTo("http://host:1/v1/x");
    assertThat(AgentAddress.withoutSecrets("u:secret@host:8500")).isEqualTo("host:8500");
    assertThat(AgentAddress.withoutSecrets("http://host:1/a@b")).isEqualTo("http://host:1/a@b");
  }
}
