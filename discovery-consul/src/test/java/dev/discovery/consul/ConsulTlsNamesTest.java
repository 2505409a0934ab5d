package dev.discovery.consul;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The name check behind {@link ConsulTls#withServerName}: RFC 6125 wildcards stand for one label. */
class ConsulTlsNamesTest {
  @Test
  void wildcardsMatchExactlyOneLabel() {
    assertThat(ConsulTls.dnsNameMatches("*.dc1.consul", "server.dc1.consul")).isTrue();
    assertThat(ConsulTls.dnsNameMatches("*.dc1.consul", "a.b.dc1.consul")).isFalse();
    assertThat(ConsulTls.dnsNameMatches("*.dc1.consul", "dc1.consul")).isFalse();
    assertThat(ConsulTls.dnsNameMatches("*.dc1.consul", ".dc1.consul")).isFalse();
    assertThat(ConsulTls.dnsNameMatches("server.dc1.consul", "server.dc1.consul")).isTrue();
    assertThat(ConsulTls.dnsNameMatches("server.dc1.consul", "server.dc2.consul")).isFalse();
  }
}
