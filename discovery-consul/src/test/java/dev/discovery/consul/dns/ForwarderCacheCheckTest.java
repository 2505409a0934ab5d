package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;

/**
 * When the DNS backend warns that a caching forwarder may serve a trimmed SRV set: once, with the counts and what to
 * set, and never for Consul's TTL 0 or small answers. (The dnsmasq test shows the warning on a real cache.)
 */
class ForwarderCacheCheckTest {
  private static final Name BIG = DnsNames.parseDomain("big.service.consul.", "name");
  private static final Name OTHER = DnsNames.parseDomain("other.service.consul.", "name");
  private static final Duration TTL = Duration.ofSeconds(30);

  @Test
  void anAnswerThatShrinksWithAPositiveTtlIsNamedOncePerName() {
    ForwarderCacheCheck check = new ForwarderCacheCheck("consul-dns 127.0.0.1:53");
    assertThat(check.inspect(BIG, 60, true, TTL)).isNull();
    assertThat(check.inspect(BIG, 18, true, TTL))
        .contains("consul-dns 127.0.0.1:53", "big.service.consul.", "gave 18 instances where an earlier answer gave 60",
            "30 s", "dnsmasq", "dns_config.enable_truncate = true");
    assertThat(check.inspect(BIG, 18, true, TTL)).as("said once").isNull();
    assertThat(check.inspect(OTHER, 5, true, TTL)).isNull();
    assertThat(check.inspect(OTHER, 4, true, TTL)).as("another name").contains("gave 4 instances where");
  }

  @Test
  void aCachedLookingAnswerIsNamedOncePerBackend() {
    ForwarderCacheCheck check = new ForwarderCacheCheck("consul-dns 127.0.0.1:53");
    assertThat(check.inspect(BIG, 2, false, TTL)).as("fewer than Consul's 3-answer cut").isNull();
    assertThat(check.inspect(BIG, 18, false, TTL))
        .contains("came from a DNS cache", "no address records", "over TCP too", "dns_config.enable_truncate = true");
    assertThat(check.inspect(OTHER, 18, false, TTL)).as("once per backend").isNull();
  }

  @Test
  void withConsulsTtlZeroNothingIsCachedAndNothingIsSaid() {
    ForwarderCacheCheck check = new ForwarderCacheCheck("consul-dns 127.0.0.1:53");
    assertThat(check.inspect(BIG, 60, true, null)).isNull();
    assertThat(check.inspect(BIG, 18, false, null)).isNull();
  }
}
