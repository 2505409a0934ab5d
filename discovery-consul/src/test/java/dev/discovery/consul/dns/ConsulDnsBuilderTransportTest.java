package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.consul.ConsulDiscovery;
import org.junit.jupiter.api.Test;

/**
 * Pins what the transport settings mean, since {@code tcp(false)} changed meaning (it is {@code udpFirst()}) and the
 * default asks SRV over TCP: a user reading the javadoc gets exactly that.
 */
class ConsulDnsBuilderTransportTest {
  @Test
  void theDefaultAsksSrvOverTcpAndTheFollowUpsOverUdp() {
    assertThat(ConsulDiscovery.dns().transport()).isEqualTo(Transport.SRV_OVER_TCP);
    assertThat(Transport.SRV_OVER_TCP.tcpFirst(org.xbill.DNS.Type.SRV)).isTrue();
    assertThat(Transport.SRV_OVER_TCP.tcpFirst(org.xbill.DNS.Type.A)).isFalse();
  }

  @Test
  void tcpTrueAsksEverythingOverTcp() {
    assertThat(ConsulDiscovery.dns().tcp(true).transport()).isEqualTo(Transport.TCP);
    assertThat(Transport.TCP.tcpFirst(org.xbill.DNS.Type.AAAA)).isTrue();
  }

  @Test
  void tcpFalseIsUdpFirstAndTheLastSettingWins() {
    assertThat(ConsulDiscovery.dns().tcp(false).transport()).isEqualTo(Transport.UDP_FIRST);
    assertThat(ConsulDiscovery.dns().udpFirst().transport()).isEqualTo(Transport.UDP_FIRST);
    assertThat(ConsulDiscovery.dns().tcp(true).udpFirst().transport()).isEqualTo(Transport.UDP_FIRST);
    assertThat(ConsulDiscovery.dns().udpFirst().tcp(true).transport()).isEqualTo(Transport.TCP);
    assertThat(Transport.UDP_FIRST.tcpFirst(org.xbill.DNS.Type.SRV)).isFalse();
  }
}
