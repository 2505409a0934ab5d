package dev.discovery.consul;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Health;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Invalid names, tags, ports and addresses from users are refused when the value is built, not when it is
 * used, with an {@link IllegalArgumentException} whose message names the bad value (or, for a blank one, the
 * field). One place that lists them across the public builders.
 */
class BadUserInputTest {

  private static void refused(ThrowingCallable call, String... mentions) {
    assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll(mentions);
  }

  @Test
  void queries() {
    refused(() -> ServiceQuery.of(" "), "service name", "blank");
    refused(() -> ServiceQuery.of("web api"), "'web api'", "whitespace");
    refused(() -> ServiceQuery.of("web/api"), "'web/api'");
    refused(() -> ServiceQuery.of("web?x"), "'web?x'");
    refused(() -> ServiceQuery.of("web").withTags("v1", "a,b"), "'a,b'", "commas");
    refused(() -> ServiceQuery.of("web").withTags("v 2"), "'v 2'", "whitespace");
    refused(() -> ServiceQuery.of("web").withTags("tab\tbed"), "'tab\tbed'");
    refused(() -> ServiceQuery.of("web").withTags((String) null), "tag of service 'web'", "blank");
    refused(() -> ServiceQuery.of("web").inDatacenter("dc 1"), "'dc 1'");
  }

  @Test
  void instances() {
    refused(() -> new ServiceInstance("i", "web", "10.0.0.1", 0, Set.of(), Map.of(), 1, Health.PASSING),
        "port of 'web'", "was 0");
    refused(() -> new ServiceInstance("i", "web", "10.0.0.1", 65536, Set.of(), Map.of(), 1, Health.PASSING),
        "was 65536");
    refused(() -> new ServiceInstance("i", "web", " ", 80, Set.of(), Map.of(), 1, Health.PASSING), "host of 'web'");
    refused(() -> new ServiceInstance("i", "web", "h", 80, Set.of(), Map.of(), 0, Health.PASSING), "weight", "was 0");
  }

  @Test
  void registrationsAndChecks() {
    refused(() -> ServiceRegistration.builder("web api"), "service name 'web api'");
    refused(() -> ServiceRegistration.builder("a%2Fb"), "'a%2Fb'");
    refused(() -> ServiceRegistration.builder("web").id("web#1"), "service id 'web#1'");
    refused(() -> ServiceRegistration.builder("web").port(70000), "was 70000");
    refused(() -> ServiceRegistration.builder("web").port(-1), "was -1");
    refused(() -> ServiceRegistration.builder("web").address("::"), "'::'", "wildcard");
    refused(() -> ServiceRegistration.builder("web").address("10.0 .0.1"), "'10.0 .0.1'", "whitespace");
    refused(() -> ServiceRegistration.builder("web").tags("ok", null), "service tag", "blank");
    refused(() -> ServiceRegistration.builder("web").meta("bad key", "v"), "'bad key'");
    refused(() -> ServiceRegistration.builder("web").meta("consul-x", "v"), "'consul-x'");
    refused(() -> ServiceRegistration.builder("web").meta("k", "x".repeat(513)), "'k'", "512");
    refused(() -> ServiceRegistration.builder("web").weights(0, 1), "was 0");
    refused(() -> CheckDefinition.http("ftp://host/", Duration.ofSeconds(5)), "'ftp://host/'");
    refused(() -> CheckDefinition.http("http://bad host/", Duration.ofSeconds(5)), "'http://bad host/'");
    refused(() -> CheckDefinition.tcp("host:99999", Duration.ofSeconds(5)), "'host:99999'");
    refused(() -> CheckDefinition.tcp("host", Duration.ofSeconds(5)), "'host'");
    refused(() -> CheckDefinition.ttl(Duration.ofSeconds(5)).id("check/1"), "check id 'check/1'");
    refused(() -> CheckDefinition.ttl(Duration.ZERO), "check ttl", "PT0S");
  }

  @Test
  void discoveryBuilders() {
    refused(() -> ConsulDiscovery.http().agents(URI.create("ftp://127.0.0.1:8500")), "'ftp://127.0.0.1:8500'");
    refused(() -> ConsulDiscovery.http().agents(URI.create("http:/nohost")), "'http:/nohost'", "no host");
    refused(() -> ConsulDiscovery.http().datacenter("dc 1"), "'dc 1'");
    refused(() -> ConsulDiscovery.http().nodeMeta("rack:1", "a"), "'rack:1'");
    refused(() -> ConsulDiscovery.http().useTaggedAddress("lan wan"), "'lan wan'");
    refused(() -> ConsulDiscovery.http().maxBodySize(10), "was 10");
    refused(() -> ConsulDiscovery.dns().datacenter("dc.1"), "'dc.1'");
    refused(() -> ConsulDiscovery.dns().domain("consul..local"), "'consul..local'");
    refused(() -> ConsulDiscovery.dns().server(InetSocketAddress.createUnresolved("consul", 8600)), "consul");
  }
}
