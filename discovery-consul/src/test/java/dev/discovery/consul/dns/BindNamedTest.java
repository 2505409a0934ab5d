package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Health;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Cross-checks the DNS backend against software we did not write: BIND's {@code named} (Debian package
 * {@code bind9}), serving a zone laid out the way Consul answers. Two servers run: one that fills the
 * ADDITIONAL section like Consul, one with {@code minimal-responses yes} so that the client must ask for the
 * targets' addresses itself. Skipped, with a message, when {@code named} is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BindNamedTest {
  private final List<LocalDnsProcess> processes = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Path dir;
  private InetSocketAddress full;
  private InetSocketAddress minimal;

  private static final String SKIPPED = "SKIPPED: BIND's named is not installed (Debian: apt-get install bind9,"
      + " binary /usr/sbin/named); the real-DNS cross-check of the DNS backend did not run";

  @BeforeAll
  void startNamed() throws Exception {
    Path binary = findNamed();
    if (binary == null) {
      System.err.println(SKIPPED);
      return;
    }
    dir = Files.createTempDirectory("discovery-named");
    Files.writeString(dir.resolve("consul.zone"), consulZone());
    Files.writeString(dir.resolve("broken.zone"), "this is not a zone file {\n");
    full = start(binary, "full", false);
    minimal = start(binary, "minimal", true);
  }

  @BeforeEach
  void requireNamed() {
    Assumptions.assumeTrue(full != null, SKIPPED);
  }

  @AfterAll
  void stopNamed() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (LocalDnsProcess p : processes) {
      p.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  /** The zone Consul would serve: node-name and addr targets, tags, two datacenters, 60 instances. */
  private static String consulZone() {
    StringBuilder z = new StringBuilder();
    z.append("$TTL 0\n")
        .append("@ IN SOA ns.consul. hostmaster.consul. 1 3600 600 86400 0\n")
        .append("@ IN NS ns.consul.\n")
        .append("ns IN A 127.0.0.1\n")
        // node-name targets (no Service.Address), as in Consul's docs transcript
        .append("web.service IN SRV 1 1 8080 foobar.node.dc1.consul.\n")
        .append("web.service IN SRV 1 3 8081 other.node.dc1.consul.\n")
        .append("web.service.dc1 IN SRV 1 1 8080 foobar.node.dc1.consul.\n")
        .append("web.service.dc1 IN SRV 1 3 8081 other.node.dc1.consul.\n")
        .append("_web._tcp.service IN SRV 1 1 8080 foobar.node.dc1.consul.\n")
        .append("_web._tcp.service IN SRV 1 3 8081 other.node.dc1.consul.\n")
        .append("v2.web.service IN SRV 1 1 8081 other.node.dc1.consul.\n")
        .append("web.service.dc2 IN SRV 1 1 9090 faraway.node.dc2.consul.\n")
        .append("foobar.node.dc1 IN A 10.1.10.12\n")
        .append("other.node.dc1 IN A 10.1.10.13\n")
        .append("faraway.node.dc2 IN A 10.2.0.1\n")
        // addr-encoded targets (Service.Address set), IPv4 and IPv6, as in Consul's docs transcript
        .append("rabbitmq.service IN SRV 1 1 5672 c000020a.addr.dc1.consul.\n")
        .append("rabbitmq.service IN SRV 1 1 5672 20010db800010002cafe000000001337.addr.dc1.consul.\n")
        .append("c000020a.addr.dc1 IN A 192.0.2.10\n")
        .append("20010db800010002cafe000000001337.addr.dc1 IN AAAA 2001:db8:1:2:cafe::1337\n")
        // a node with an IPv6 address
        .append("v6.service IN SRV 1 1 443 six.node.dc1.consul.\n")
        .append("six.node.dc1 IN AAAA fd00::6\n")
        // a target without any address record, next to a good one
        .append("partial.service IN SRV 1 1 80 nowhere.node.dc1.consul.\n")
        .append("partial.service IN SRV 1 1 80 foobar.node.dc1.consul.\n")
        // an operator-set service_ttl
        .append("cached.service 30 IN SRV 1 1 80 cachednode.node.dc1.consul.\n")
        .append("cachednode.node.dc1 30 IN A 10.1.10.14\n");
    for (int i = 1; i <= 60; i++) {
      z.append("big.service IN SRV 1 1 ").append(20000 + i).append(" big-").append(i).append(".node.dc1.consul.\n");
      z.append("big-").append(i).append(".node.dc1 IN A 10.3.0.").append(i).append('\n');
    }
    return z.toString();
  }

  private InetSocketAddress start(Path binary, String name, boolean minimalResponses) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    LocalDnsProcess named = LocalDnsProcess.start("named", work, port -> {
      Path conf = work.resolve("named-" + port + ".conf");
      try {
        Files.writeString(conf, String.join("\n",
            "options {",
            "  directory \"" + work + "\";",
            "  pid-file none;",
            "  session-keyfile none;",
            "  listen-on port " + port + " { 127.0.0.1; };",
            "  listen-on-v6 { none; };",
            "  recursion no;",
            "  dnssec-validation no;",
            "  minimal-responses " + (minimalResponses ? "yes" : "no") + ";",
            "};",
            "controls { };",
            "zone \"consul.\" { type primary; file \"" + dir.resolve("consul.zone") + "\"; };",
            "zone \"broken.\" { type primary; file \"" + dir.resolve("broken.zone") + "\"; };",
            ""));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return List.of(binary.toString(), "-g", "-n", "1", "-c", conf.toString());
    }, Name.fromString("consul."));
    processes.add(named);
    return named.address();
  }

  /** {@code -Dnamed.binary=PATH} picks another named (a missing path shows the skip). */
  private static Path findNamed() {
    return LocalDnsProcess.find("named.binary", "named", "/usr/sbin/named", "/usr/local/sbin/named");
  }

  private ConsulDnsBackend backend(InetSocketAddress server, String domain, String dc, boolean rfc2782,
      boolean tcp) {
    ConsulDnsBackend backend = new ConsulDnsBackend(List.of(server), DnsNames.parseDomain(domain, "domain"), null,
        dc, rfc2782, tcp ? Transport.TCP : Transport.UDP_FIRST, Duration.ofSeconds(2));
    closeables.add(backend);
    return backend;
  }

  private static List<String> addresses(ConsulDnsBackend backend, ServiceQuery query) throws Exception {
    return backend.fetch(query).get(10, TimeUnit.SECONDS).instances().stream()
        .map(ServiceInstance::address).sorted().collect(Collectors.toList());
  }

  @Test
  void theTwoServersDifferInTheAdditionalSectionOnly() throws Exception {
    assertThat(additionalAddresses(full, "web.service.consul.")).as("Consul-like glue").isEqualTo(2);
    assertThat(additionalAddresses(minimal, "web.service.consul.")).as("the client must ask itself").isZero();
  }

  private static long additionalAddresses(InetSocketAddress server, String name) throws Exception {
    SimpleResolver resolver = new SimpleResolver(server);
    resolver.setTimeout(Duration.ofSeconds(2));
    Message reply = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.SRV, DClass.IN)));
    return reply.getSection(org.xbill.DNS.Section.ADDITIONAL).stream()
        .filter(r -> r.getType() == Type.A || r.getType() == Type.AAAA)
        .filter(r -> r.getName().toString().endsWith(".node.dc1.consul.")).count();
  }

  @Test
  void nodeNameTargetsWithTagsDatacentersAndRfc2782() throws Exception {
    for (InetSocketAddress server : List.of(full, minimal)) {
      ConsulDnsBackend plain = backend(server, "consul", null, false, false);
      assertThat(addresses(plain, ServiceQuery.of("web"))).containsExactly("10.1.10.12:8080", "10.1.10.13:8081");
      assertThat(addresses(plain, ServiceQuery.of("web").withTags("v2"))).containsExactly("10.1.10.13:8081");
      assertThat(addresses(plain, ServiceQuery.of("web").inDatacenter("dc2"))).containsExactly("10.2.0.1:9090");
      assertThat(addresses(backend(server, "consul.", "dc1", false, false), ServiceQuery.of("web")))
          .containsExactly("10.1.10.12:8080", "10.1.10.13:8081");
      assertThat(addresses(backend(server, "consul.", null, true, false), ServiceQuery.of("web")))
          .containsExactly("10.1.10.12:8080", "10.1.10.13:8081");
      List<ServiceInstance> web = plain.fetch(ServiceQuery.of("web")).get(10, TimeUnit.SECONDS).instances();
      assertThat(web).extracting(ServiceInstance::weight).containsExactlyInAnyOrder(1, 3);
      assertThat(web).extracting(ServiceInstance::health).containsOnly(Health.UNKNOWN);
    }
  }

  @Test
  void addrTargetsAndIpv6() throws Exception {
    for (InetSocketAddress server : List.of(full, minimal)) {
      ConsulDnsBackend backend = backend(server, "consul", null, false, false);
      assertThat(addresses(backend, ServiceQuery.of("rabbitmq")))
          .containsExactly("192.0.2.10:5672", "[2001:db8:1:2:cafe:0:0:1337]:5672");
      assertThat(addresses(backend, ServiceQuery.of("v6"))).containsExactly("[fd00:0:0:0:0:0:0:6]:443");
    }
  }

  @Test
  void sixtyInstancesOverUdpWithFallbackAndOverTcp() throws Exception {
    for (InetSocketAddress server : List.of(full, minimal)) {
      assertThat(addresses(backend(server, "consul", null, false, false), ServiceQuery.of("big"))).hasSize(60);
      assertThat(addresses(backend(server, "consul", null, false, true), ServiceQuery.of("big"))).hasSize(60);
    }
  }

  @Test
  void targetWithoutAddressIsLeftOut() throws Exception {
    for (InetSocketAddress server : List.of(full, minimal)) {
      assertThat(addresses(backend(server, "consul", null, false, false), ServiceQuery.of("partial")))
          .containsExactly("10.1.10.12:80");
    }
  }

  @Test
  void nxdomainIsEmptyAndTtlIsHonoured() throws Exception {
    ConsulDnsBackend backend = backend(full, "consul", null, false, false);
    assertThat(backend.fetch(ServiceQuery.of("unknown")).get(10, TimeUnit.SECONDS).instances()).isEmpty();
    assertThat(backend.fetch(ServiceQuery.of("cached")).get(10, TimeUnit.SECONDS).ttl())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(backend.fetch(ServiceQuery.of("web")).get(10, TimeUnit.SECONDS).ttl()).isNull();
  }

  @Test
  void servfailAndRefusedMeanTheRegistryIsUnavailable() {
    // A zone that failed to load answers SERVFAIL; a name outside every zone is REFUSED.
    assertThatThrownBy(() -> backend(full, "broken", null, false, false).fetch(ServiceQuery.of("web"))
        .get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class).hasMessageContaining("SERVFAIL");
    assertThatThrownBy(() -> backend(full, "elsewhere", null, false, false).fetch(ServiceQuery.of("web"))
        .get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class).hasMessageContaining("REFUSED");
  }

  @Test
  void throughTheCacheWithFailoverFromADeadServer() throws Exception {
    InetSocketAddress dead = new InetSocketAddress(InetAddress.getLoopbackAddress(), LocalDnsProcess.freePort());
    CachingDiscovery discovery = ConsulDiscovery.dns()
        .server(dead)
        .server(full)
        .timeout(Duration.ofMillis(500))
        .build();
    closeables.add(discovery);
    assertThat(discovery.instances(ServiceQuery.of("big"))).hasSize(60);

    CachingDiscovery broken = ConsulDiscovery.dns().server(full).domain("broken.").build();
    closeables.add(broken);
    assertThatThrownBy(() -> broken.instances(ServiceQuery.of("web")))
        .isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("SERVFAIL");
  }
}
