package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The name check behind {@link dev.discovery.consul.ConsulTls#withServerName}: RFC 6125 wildcards stand for one label. */
class TlsSetupNamesTest {
  @Test
  void wildcardsMatchExactlyOneLabel() {
    assertThat(TlsSetup.dnsNameMatches("*.dc1.consul", "server.dc1.consul")).isTrue();
    assertThat(TlsSetup.dnsNameMatches("*.dc1.consul", "a.b.dc1.consul")).isFalse();
    assertThat(TlsSetup.dnsNameMatches("*.dc1.consul", "dc1.consul")).isFalse();
    assertThat(TlsSetup.dnsNameMatches("*.dc1.consul", ".dc1.consul")).isFalse();
    assertThat(TlsSetup.dnsNameMatches("server.dc1.consul", "server.dc1.consul")).isTrue();
    assertThat(TlsSetup.dnsNameMatches("server.dc1.consul", "server.dc2.consul")).isFalse();
  }
}
