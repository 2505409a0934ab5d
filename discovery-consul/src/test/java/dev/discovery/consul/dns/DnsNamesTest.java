package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceQuery;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;

class DnsNamesTest {
  private static final Name CONSUL = DnsNames.parseDomain("consul", "domain");

  private static DnsNames names(String dc, boolean rfc2782) {
    return new DnsNames(CONSUL, DnsNames.parseDomain("alt.example.", "altDomain"), dc, rfc2782, "consul-dns test");
  }

  @Test
  void standardFormsWithTagAndDatacenter() {
    DnsNames n = names(null, false);
    assertThat(n.serviceName(ServiceQuery.of("web")).toString()).isEqualTo("web.service.consul.");
    assertThat(n.serviceName(ServiceQuery.of("web").withTags("v2")).toString()).isEqualTo("v2.web.service.consul.");
    assertThat(n.serviceName(ServiceQuery.of("web").inDatacenter("dc2")).toString())
        .isEqualTo("web.service.dc2.consul.");
    assertThat(names("dc1", false).serviceName(ServiceQuery.of("web")).toString())
        .isEqualTo("web.service.dc1.consul.");
    assertThat(names("dc1", false).serviceName(ServiceQuery.of("web").inDatacenter("dc3")).toString())
        .as("the query's datacenter wins over the builder's default")
        .isEqualTo("web.service.dc3.consul.");
    assertThat(n.serviceName(ServiceQuery.of("web").withTags("eu.primary")).toString())
        .isEqualTo("eu.primary.web.service.consul.");
  }

  @Test
  void rfc2782Forms() {
    DnsNames n = names(null, true);
    assertThat(n.serviceName(ServiceQuery.of("rabbitmq")).toString()).isEqualTo("_rabbitmq._tcp.service.consul.");
    assertThat(n.serviceName(ServiceQuery.of("rabbitmq").withTags("amqp").inDatacenter("dc2")).toString())
        .isEqualTo("_rabbitmq._amqp.service.dc2.consul.");
    // "_tcp" means "no tag" to Consul, and the tag slot is one label: those tags keep the standard form.
    assertThat(n.serviceName(ServiceQuery.of("web").withTags("tcp")).toString()).isEqualTo("tcp.web.service.consul.");
    assertThat(n.serviceName(ServiceQuery.of("web").withTags("a.b")).toString()).isEqualTo("a.b.web.service.consul.");
  }

  @Test
  void queriesDnsCannotExpressAreRejectedWithTheFix() {
    DnsNames n = names(null, false);
    assertThatThrownBy(() -> n.serviceName(ServiceQuery.of("web").withTags("a", "b")))
        .isInstanceOf(InvalidQueryException.class)
        .hasMessageContaining("one tag only")
        .hasMessageContaining("ConsulDiscovery.http()");
    assertThatThrownBy(() -> n.serviceName(ServiceQuery.of("web.api")))
        .isInstanceOf(InvalidQueryException.class).hasMessageContaining("'web.api' is not a DNS label");
    assertThatThrownBy(() -> n.serviceName(ServiceQuery.of("web").withTags("k=v")))
        .isInstanceOf(InvalidQueryException.class).hasMessageContaining("tag 'k=v'");
    assertThatThrownBy(() -> n.serviceName(ServiceQuery.of("x".repeat(64))))
        .isInstanceOf(InvalidQueryException.class);
    assertThatThrownBy(() -> DnsNames.checkDatacenter("dc 1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'dc 1'");
    assertThatThrownBy(() -> DnsNames.parseDomain("", "domain")).hasMessageContaining("consul.");
    assertThatThrownBy(() -> DnsNames.parseDomain("a..b", "domain")).hasMessageContaining("empty label");
  }

  @Test
  void decodesAddrTargetsUnderEitherDomainOnly() throws Exception {
    DnsNames n = names(null, false);
    assertThat(n.addrTarget(Name.fromString("c000020a.addr.dc1.consul.")))
        .isEqualTo(InetAddress.getByName("192.0.2.10"));
    assertThat(n.addrTarget(Name.fromString("20010db800010002cafe000000001337.addr.dc1.consul.")))
        .isEqualTo(InetAddress.getByName("2001:db8:1:2:cafe::1337"));
    assertThat(n.addrTarget(Name.fromString("0a000d53.addr.consul."))).as("peer form without dc")
        .isEqualTo(InetAddress.getByName("10.0.13.83"));
    assertThat(n.addrTarget(Name.fromString("0a000d53.addr.dc1.alt.example.")))
        .isEqualTo(InetAddress.getByName("10.0.13.83"));
    assertThat(n.addrTarget(Name.fromString("0a000d53.addr.dc1.other.example."))).isNull();
    assertThat(n.addrTarget(Name.fromString("foobar.node.dc1.consul."))).isNull();
    assertThat(n.addrTarget(Name.fromString("zz000d53.addr.dc1.consul."))).isNull();
    assertThat(n.addrTarget(Name.fromString("0a00.addr.dc1.consul."))).isNull();
  }
}
