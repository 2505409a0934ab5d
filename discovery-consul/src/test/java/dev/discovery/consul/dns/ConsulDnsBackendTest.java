package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.Health;
import dev.discovery.InvalidQueryException;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.spi.Answer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The DNS backend against a server that answers like Consul's DNS interface, and like a broken one. */
class ConsulDnsBackendTest {
  /**
   * For servers expected to answer: a time-out there fails the fetch (there is no DNS retry) and breaks the
   * exact question counts below, so it is generous for a slow, shared machine.
   */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  /** Only where a silent server must time out, kept short so those tests stay fast. */
  private static final Duration SILENT_TIMEOUT = Duration.ofMillis(400);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ConsulLikeDns consul = new ConsulLikeDns();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private FakeDnsServer server(FakeDnsServer.Handler handler) throws IOException {
    FakeDnsServer server = new FakeDnsServer(handler);
    closeables.add(server);
    return server;
  }

  private ConsulDnsBackend backend(Transport transport, FakeDnsServer... servers) {
    return backend(TIMEOUT, transport, servers);
  }

  private ConsulDnsBackend backend(Duration timeout, Transport transport, FakeDnsServer... servers) {
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (FakeDnsServer s : servers) {
      addresses.add(s.address());
    }
    ConsulDnsBackend backend =
        new ConsulDnsBackend(addresses, ConsulLikeDns.DOMAIN, null, null, false, transport, timeout);
    closeables.add(backend);
    return backend;
  }

  private CachingDiscovery discovery(FakeDnsServer server, Duration refresh, Duration maxStaleness) {
    return discovery(server, TIMEOUT, refresh, maxStaleness);
  }

  private CachingDiscovery discovery(FakeDnsServer server, Duration timeout, Duration refresh,
      Duration maxStaleness) {
    CachingDiscovery discovery = ConsulDiscovery.dns()
        .server(server.address())
        .timeout(timeout)
        .refreshInterval(refresh)
        .cache(c -> c.maxStaleness(maxStaleness))
        .cache(c -> c.loadTimeout(Duration.ofSeconds(5)))
        .build();
    closeables.add(discovery);
    return discovery;
  }

  private static Answer fetch(ConsulDnsBackend backend, ServiceQuery query) throws Exception {
    return backend.fetch(query).get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(ConsulDnsBackend backend, ServiceQuery query) throws Exception {
    try {
      backend.fetch(query).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the fetch of " + query + " to fail");
  }

  private static Set<String> addresses(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::address).collect(Collectors.toSet());
  }

  private void sixtyInstances() {
    for (int i = 1; i <= 60; i++) {
      consul.add("big", "node-" + i, "10.1.0." + i, 20000 + i);
    }
  }

  @Test
  void nodeNameTargetsResolveFromTheAdditionalSection() throws Exception {
    consul.add(new ConsulLikeDns.Instance("web", "foobar", "10.1.10.12", null, 8080, 5, Set.of(), "dc1"));
    consul.add("web", "other", "10.1.10.13", 8081);
    FakeDnsServer server = server(consul);

    Answer answer = fetch(backend(Transport.UDP_FIRST, server), ServiceQuery.of("web"));

    assertThat(answer.instances()).containsExactly(
        new ServiceInstance("10.1.10.12:8080", "web", "10.1.10.12", 8080, Set.of(), java.util.Map.of(), 5,
            Health.UNKNOWN),
        new ServiceInstance("10.1.10.13:8081", "web", "10.1.10.13", 8081, Set.of(), java.util.Map.of(), 1,
            Health.UNKNOWN));
    assertThat(answer.ttl()).as("Consul's TTL 0 leaves the refresh interval in charge").isNull();
    assertThat(server.questions()).containsExactly("web.service.consul. srv udp");
  }

  @Test
  void addrEncodedTargetsIncludingIpv6() throws Exception {
    consul.add(new ConsulLikeDns.Instance("rabbitmq", "n1", "10.0.0.1", "192.0.2.10", 5672, 1, Set.of(), "dc1"));
    consul.add(new ConsulLikeDns.Instance("rabbitmq", "n2", "10.0.0.2", "2001:db8:1:2:cafe::1337", 5672, 1,
        Set.of(), "dc1"));
    FakeDnsServer server = server(consul);

    List<ServiceInstance> instances = fetch(backend(Transport.UDP_FIRST, server), ServiceQuery.of("rabbitmq")).instances();

    assertThat(addresses(instances)).containsExactlyInAnyOrder("192.0.2.10:5672", "[2001:db8:1:2:cafe:0:0:1337]:5672");
    assertThat(instances).extracting(ServiceInstance::id).doesNotHaveDuplicates();
  }

  @Test
  void missingAdditionalRecordsAreAskedForOncePerTarget() throws Exception {
    consul.additional = false;
    consul.add("web", "n1", "10.0.0.1", 80);
    consul.add("web", "n1", "10.0.0.1", 81); // two instances on one node: one follow-up for the node
    consul.add("web", "n6", "fd00::6", 80);
    consul.add(new ConsulLikeDns.Instance("web", "n9", "10.0.0.9", "10.0.0.99", 90, 1, Set.of(), "dc1"));
    FakeDnsServer server = server(consul);

    List<ServiceInstance> instances = fetch(backend(Transport.UDP_FIRST, server), ServiceQuery.of("web")).instances();

    assertThat(addresses(instances))
        .containsExactlyInAnyOrder("10.0.0.1:80", "10.0.0.1:81", "[fd00:0:0:0:0:0:0:6]:80", "10.0.0.99:90");
    assertThat(server.questions()).filteredOn(q -> q.startsWith("n1.node.dc1.consul. a ")).hasSize(1);
    assertThat(server.questions()).contains("n6.node.dc1.consul. aaaa udp");
    assertThat(server.questions()).as("addr targets carry their address in the name").noneMatch(q -> q.contains(".addr."));
  }

  @Test
  void aTargetWithNoAddressIsLeftOutNotReturnedAsAHostName() throws Exception {
    consul.additional = false;
    consul.add("web", "n1", "10.0.0.1", 80);
    FakeDnsServer server = server((query, tcp) -> {
      if (query.getQuestion().getName().toString().startsWith("n1.")) {
        Message reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(org.xbill.DNS.Flags.QR);
        reply.addRecord(query.getQuestion(), Section.QUESTION);
        reply.getHeader().setRcode(org.xbill.DNS.Rcode.NXDOMAIN);
        return reply.toWire();
      }
      return consul.handle(query, tcp);
    });
    consul.add("web", "n2", "10.0.0.2", 80);

    List<ServiceInstance> instances = fetch(backend(Transport.UDP_FIRST, server), ServiceQuery.of("web")).instances();

    assertThat(addresses(instances)).containsExactly("10.0.0.2:80");
  }

  @Test
  void sixtyInstancesAllArriveAlthoughUdpRepliesAreTrimmedSilently() throws Exception {
    sixtyInstances();
    FakeDnsServer server = server(consul);

    // What a client that trusts UDP gets: Consul's silent cut to 3 answers.
    SimpleResolver plain = new SimpleResolver(server.address());
    plain.setEDNS(-1);
    plain.setTimeout(Duration.ofSeconds(5));
    Message trusting = plain.send(Message.newQuery(
        Record.newRecord(Name.fromString("big.service.consul."), Type.SRV, DClass.IN)));
    assertThat(trusting.getSection(Section.ANSWER)).hasSize(3);

    List<ServiceInstance> instances = fetch(backend(Transport.UDP_FIRST, server), ServiceQuery.of("big")).instances();

    assertThat(instances).hasSize(60);
    assertThat(instances).extracting(ServiceInstance::port).doesNotHaveDuplicates();
    assertThat(server.questions()).contains("big.service.consul. srv tcp");
  }

  @Test
  void sixtyInstancesOverTcpOnly() throws Exception {
    sixtyInstances();
    FakeDnsServer server = server(consul);
    int udpBefore = server.udpQueries();

    assertThat(fetch(backend(Transport.TCP, server), ServiceQuery.of("big")).instances()).hasSize(60);
    assertThat(server.udpQueries()).isEqualTo(udpBefore);
  }

  @Test
  void udpFirstKeepsTwoInstancesOnUdpAndAsksThreeAndTruncatedOnesAgainOverTcp() throws Exception {
    for (int i = 1; i <= 3; i++) {
      consul.add(i < 3 ? "small" : "three", "s" + i, "10.2.0." + i, 80);
    }
    consul.add("three", "s1", "10.2.0.1", 81);
    consul.add("three", "s2", "10.2.0.2", 81);
    FakeDnsServer server = server(consul);
    ConsulDnsBackend backend = backend(Transport.UDP_FIRST, server);
    assertThat(fetch(backend, ServiceQuery.of("small")).instances()).hasSize(2);
    assertThat(server.tcpQueries()).isZero();

    // Three answers are what Consul keeps when a forwarder asks it without EDNS: never trusted over UDP.
    assertThat(fetch(backend, ServiceQuery.of("three")).instances()).hasSize(3);
    assertThat(server.questions()).contains("three.service.consul. srv udp", "three.service.consul. srv tcp");
    assertThat(server.tcpQueries()).isEqualTo(1);

    // enable_truncate: the reply says TC, the client must ask again over TCP, even for a small reply.
    consul.enableTruncate = true;
    server.handler((query, tcp) -> {
      if (tcp) {
        return consul.handle(query, true);
      }
      Message reply = new Message(consul.handle(query, false));
      reply.removeAllRecords(Section.ANSWER);
      reply.removeAllRecords(Section.ADDITIONAL);
      reply.getHeader().setFlag(org.xbill.DNS.Flags.TC);
      return reply.toWire();
    });
    assertThat(fetch(backend, ServiceQuery.of("small")).instances()).hasSize(2);
    assertThat(server.tcpQueries()).isEqualTo(2);
  }

  @Test
  void aTcpConnectionClosedWithTheQuestionOnItIsAskedAgainOnANewOne() throws Exception {
    consul.add("web", "n1", "10.0.0.1", 80);
    FakeDnsServer server = server(consul);
    ConsulDnsBackend backend = backend(Transport.TCP, server);

    server.closeTcpConnectionOnNextQuestions(1);
    assertThat(addresses(fetch(backend, ServiceQuery.of("web")).instances())).containsExactly("10.0.0.1:80");
    assertThat(server.tcpQueries()).isEqualTo(2);

    // A bounded number of times: a server that keeps closing is a failure, not a loop.
    server.closeTcpConnectionOnNextQuestions(3);
    assertThat(failure(backend, ServiceQuery.of("web"))).isInstanceOf(IOException.class);
  }

  @Test
  void byDefaultSrvGoesOverTcpAndAddressFollowUpsOverUdp() throws Exception {
    consul.additional = false;
    consul.add("web", "n1", "10.0.0.1", 80);
    consul.add("web", "n2", "10.0.0.2", 80);
    FakeDnsServer server = server(consul);

    CachingDiscovery discovery = ConsulDiscovery.dns().server(server.address()).timeout(TIMEOUT).build();
    closeables.add(discovery);

    assertThat(addresses(discovery.instances(ServiceQuery.of("web")))).containsExactly("10.0.0.1:80", "10.0.0.2:80");
    assertThat(server.questions()).contains("web.service.consul. srv tcp", "n1.node.dc1.consul. a udp")
        .doesNotContain("web.service.consul. srv udp", "n1.node.dc1.consul. a tcp");
  }

  @Test
  void tagAndDatacenterQueries() throws Exception {
    consul.add(new ConsulLikeDns.Instance("db", "n1", "10.0.0.1", null, 5432, 1, Set.of("primary"), "dc1"));
    consul.add(new ConsulLikeDns.Instance("db", "n2", "10.0.0.2", null, 5432, 1, Set.of("replica"), "dc1"));
    consul.add(new ConsulLikeDns.Instance("db", "n3", "10.0.0.3", null, 5432, 1, Set.of("primary"), "dc2"));
    FakeDnsServer server = server(consul);
    ConsulDnsBackend backend = backend(Transport.UDP_FIRST, server);

    List<ServiceInstance> primaries = fetch(backend, ServiceQuery.of("db").withTags("primary")).instances();
    assertThat(addresses(primaries)).containsExactly("10.0.0.1:5432");
    assertThat(primaries.get(0).tags()).containsExactly("primary");
    assertThat(addresses(fetch(backend, ServiceQuery.of("db").withTags("primary").inDatacenter("dc2")).instances()))
        .containsExactly("10.0.0.3:5432");
    assertThat(server.questions()).contains("primary.db.service.consul. srv udp",
        "primary.db.service.dc2.consul. srv udp");

    ConsulDnsBackend rfc = new ConsulDnsBackend(List.of(server.address()), ConsulLikeDns.DOMAIN, null, "dc1",
        true, Transport.UDP_FIRST, TIMEOUT);
    closeables.add(rfc);
    assertThat(addresses(fetch(rfc, ServiceQuery.of("db").withTags("replica")).instances()))
        .containsExactly("10.0.0.2:5432");
    assertThat(server.questions()).contains("_db._replica.service.dc1.consul. srv udp");
  }

  @Test
  void moreThanOneTagIsAnInvalidQuery() throws Exception {
    FakeDnsServer server = server(consul);
    Throwable error = failure(backend(Transport.UDP_FIRST, server), ServiceQuery.of("db").withTags("a", "b"));
    assertThat(error).isInstanceOf(InvalidQueryException.class).hasMessageContaining("one tag only");
    assertThat(server.questions()).isEmpty();
  }

  @Test
  void nxdomainIsASuccessfulEmptyAnswer() throws Exception {
    FakeDnsServer server = server(consul);
    Answer answer = fetch(backend(Transport.UDP_FIRST, server), ServiceQuery.of("nothing-healthy"));
    assertThat(answer.instances()).isEmpty();
  }

  @Test
  void positiveTtlIsHonoured() throws Exception {
    consul.ttl = 30;
    consul.add("web", "n1", "10.0.0.1", 80);
    assertThat(fetch(backend(Transport.UDP_FIRST, server(consul)), ServiceQuery.of("web")).ttl()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void serverFailuresFailTheFetchWithAClearCause() throws Exception {
    consul.add("web", "n1", "10.0.0.1", 80);
    FakeDnsServer server = server(consul);
    ConsulDnsBackend backend = backend(Transport.UDP_FIRST, server);

    consul.fault = ConsulLikeDns.Fault.SERVFAIL;
    assertThat(failure(backend, ServiceQuery.of("web"))).isInstanceOf(IOException.class)
        .hasMessageContaining("SERVFAIL").hasMessageContaining("web.service.consul.")
        .hasMessageContaining("when this server is a forwarder such as dnsmasq, that it forwards the domain to the"
            + " agent's DNS interface and can reach it");
    consul.fault = ConsulLikeDns.Fault.REFUSED;
    assertThat(failure(backend, ServiceQuery.of("web"))).hasMessageContaining("REFUSED")
        .hasMessageContaining("REFUSED: it does not forward that domain");
    consul.fault = ConsulLikeDns.Fault.GARBAGE;
    assertThat(failure(backend, ServiceQuery.of("web"))).hasMessageContaining("malformed");
    consul.fault = ConsulLikeDns.Fault.WRONG_ID;
    assertThat(failure(backend, ServiceQuery.of("web"))).hasMessageContaining("malformed or mismatched");
    consul.fault = ConsulLikeDns.Fault.SILENT;
    ConsulDnsBackend impatient = backend(SILENT_TIMEOUT, Transport.UDP_FIRST, server); // the silence must time out, soon
    assertThat(failure(impatient, ServiceQuery.of("web"))).hasMessageContaining("no reply")
        .hasMessageContaining(DnsClient.hostPort(server.address()));
    assertThat(impatient.pendingQuestions()).as("the unanswered question is forgotten").isZero();
    consul.fault = ConsulLikeDns.Fault.NONE;
    assertThat(fetch(backend, ServiceQuery.of("web")).instances()).hasSize(1);
    assertThat(backend.pendingQuestions()).isZero();
  }

  /**
   * A reply to a query that says it is an UPDATE is not an answer (dnsjava checks id and question only): it is
   * refused like a malformed reply, naming the opcode. Regression for the byte sequence
   * {@link SrvReplyPropertyTest} found.
   */
  @Test
  void aReplyWithAnotherOpcodeIsAServerFailureNotAnAnswer() throws Exception {
    byte[] template = java.util.HexFormat.of().parseHex(
        "9b87ac03000100000001000003776562077365727669636506636f6e73756c0000210001c01800060001000000260000");
    FakeDnsServer server = server((query, tcp) -> {
      byte[] reply = template.clone();
      reply[0] = (byte) (query.getHeader().getID() >> 8);
      reply[1] = (byte) query.getHeader().getID();
      return reply;
    });
    assertThat(failure(backend(Transport.UDP_FIRST, server), ServiceQuery.of("web"))).isInstanceOf(IOException.class)
        .hasMessageContaining("answered a query with opcode UPDATE")
        .hasMessageContaining(DnsClient.hostPort(server.address()));
  }

  @Test
  void failsOverToTheNextServer() throws Exception {
    consul.add("web", "n1", "10.0.0.1", 80);
    ConsulLikeDns broken = new ConsulLikeDns();
    broken.fault = ConsulLikeDns.Fault.SILENT;
    FakeDnsServer dead = server(broken);
    FakeDnsServer alive = server(consul);
    // The generous time-out, as one time-out serves both servers and the live one must answer within it (or
    // the question count below is off); the dead one costs it once.
    ConsulDnsBackend backend = backend(Transport.UDP_FIRST, dead, alive);

    assertThat(fetch(backend, ServiceQuery.of("web")).instances()).hasSize(1);
    assertThat(fetch(backend, ServiceQuery.of("web")).instances()).hasSize(1);
    assertThat(dead.udpQueries()).as("the server that answered is asked first next time").isEqualTo(1);
    assertThat(backend.describe()).isEqualTo(
        "consul-dns " + DnsClient.hostPort(dead.address()) + "," + DnsClient.hostPort(alive.address()));
  }

  @Test
  void concurrentFetchesOfOneNameShareOneQuestion() throws Exception {
    consul.additional = false;
    consul.add("web", "n1", "10.0.0.1", 80);
    consul.add("api", "n1", "10.0.0.1", 90);
    CountDownLatch release = new CountDownLatch(1);
    FakeDnsServer server = server((query, tcp) -> {
      release.await(10, TimeUnit.SECONDS);
      return consul.handle(query, tcp);
    });
    ConsulDnsBackend backend = new ConsulDnsBackend(List.of(server.address()), ConsulLikeDns.DOMAIN, null, null,
        false, Transport.UDP_FIRST, Duration.ofSeconds(10));
    closeables.add(backend);

    List<CompletableFuture<Answer>> fetches = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      // Different queries (health filter, case) that map to the same DNS name share its question.
      fetches.add(backend.fetch(ServiceQuery.of(i % 2 == 0 ? "web" : "WEB")
          .withHealth(i % 4 < 2 ? dev.discovery.HealthFilter.PASSING : dev.discovery.HealthFilter.PASSING_OR_WARNING)));
    }
    fetches.add(backend.fetch(ServiceQuery.of("api")));
    Await.until("both SRV questions reached the server", () -> server.questions().size() >= 2);
    release.countDown();
    for (CompletableFuture<Answer> f : fetches) {
      assertThat(f.get(10, TimeUnit.SECONDS).instances()).hasSize(1);
    }
    assertThat(server.questions()).filteredOn(q -> q.contains(" srv ")).hasSize(2);
    assertThat(fetches.get(1).get().instances().get(0).service()).isEqualTo("WEB");
    assertThat(backend.pendingQuestions()).isZero();
  }

  @Test
  void cacheServesTheLastGoodAnswerWhileDnsFailsThenThrows() throws Exception {
    consul.add("web", "n1", "10.0.0.1", 80);
    FakeDnsServer server = server(consul);
    // The silence below must time out soon; the first answer is awaited since a time-out there fails it for good.
    CachingDiscovery discovery =
        discovery(server, SILENT_TIMEOUT, Duration.ofMillis(50), Duration.ofSeconds(2));

    List<ServiceInstance> good = firstAnswer(discovery, ServiceQuery.of("web"));
    assertThat(addresses(good)).containsExactly("10.0.0.1:80");

    consul.fault = ConsulLikeDns.Fault.SILENT;
    Await.until("the refresh notices the silent server", () -> discovery.snapshot(ServiceQuery.of("web")).stale());
    assertThat(discovery.instances(ServiceQuery.of("web"))).as("stale-if-error").isEqualTo(good);

    consul.fault = ConsulLikeDns.Fault.SERVFAIL;
    Await.until("the answer grows older than the maximum staleness", () -> {
      try {
        discovery.instances(ServiceQuery.of("web"));
        return false;
      } catch (RegistryUnavailableException e) {
        return e.staleness() != null && e.getMessage().contains("consul-dns");
      }
    });

    consul.fault = ConsulLikeDns.Fault.NONE;
    Await.until("DNS answers again", () -> {
      try {
        return discovery.instances(ServiceQuery.of("web")).equals(good);
      } catch (RegistryUnavailableException e) {
        return false;
      }
    });
  }

  @Test
  void aServerThatRefusesTcpIsNamedWithTheTransportAndUdpFirstIsSuggested() throws Exception {
    // Nothing listens on this port: the default asks SRV over TCP, and the connection is refused.
    InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), LocalDnsProcess.freePort());
    ConsulDnsBackend backend = new ConsulDnsBackend(List.of(nobody), DnsNames.parseDomain("consul.", "domain"),
        null, null, false, Transport.SRV_OVER_TCP, Duration.ofSeconds(2));
    try {
      assertThat(failure(backend, ServiceQuery.of("web"))).isInstanceOf(IOException.class)
          .hasMessageContaining("DNS server " + DnsClient.hostPort(nobody) + " refused a TCP connection for"
              + " web.service.consul. SRV")
          .hasMessageContaining("SRV questions go over TCP by default")
          .hasMessageContaining("ConsulDnsBuilder.udpFirst()");
    } finally {
      backend.close();
    }
  }

  @Test
  void firstLookupAgainstASilentServerFailsAsRegistryUnavailable() throws Exception {
    consul.fault = ConsulLikeDns.Fault.SILENT;
    FakeDnsServer server = server(consul);
    CachingDiscovery discovery =
        discovery(server, SILENT_TIMEOUT, Duration.ofSeconds(5), Duration.ofMinutes(1));

    assertThatThrownBy(() -> discovery.instances(ServiceQuery.of("web")))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("'web'")
        .hasMessageContaining("no reply from DNS server " + DnsClient.hostPort(server.address()));
  }

  @Test
  void nxdomainThroughTheCacheIsAnEmptyListAndChangesArrive() throws Exception {
    FakeDnsServer server = server(consul);
    CachingDiscovery discovery = discovery(server, Duration.ofMillis(50), Duration.ofMinutes(1));
    assertThat(discovery.instances(ServiceQuery.of("web"))).isEmpty();

    consul.add("web", "n1", "10.0.0.1", 80);
    Await.until("the new instance is picked up", () -> discovery.instances(ServiceQuery.of("web")).size() == 1);
    assertThat(discovery.instances(ServiceQuery.of("web")).get(0).health()).isEqualTo(Health.UNKNOWN);
  }

  @Test
  void builderRejectsBadSettingsWithTheFix() {
    assertThatThrownBy(() -> ConsulDiscovery.dns().server(InetSocketAddress.createUnresolved("consul", 8600)))
        .hasMessageContaining("resolved address");
    assertThatThrownBy(() -> ConsulDiscovery.dns().timeout(Duration.ZERO)).hasMessageContaining("timeout");
    assertThatThrownBy(() -> ConsulDiscovery.dns().domain(" ")).hasMessageContaining("domain");
    assertThatThrownBy(() -> ConsulDiscovery.dns().datacenter("dc.1")).hasMessageContaining("'dc.1'");
  }

  /** The first answer, asked again while a lookup fails (only a short time-out could make it fail). */
  private static List<ServiceInstance> firstAnswer(CachingDiscovery discovery, ServiceQuery query)
      throws InterruptedException {
    List<List<ServiceInstance>> answer = new ArrayList<>();
    Await.until("the first answer to " + query, () -> {
      try {
        answer.add(discovery.instances(query));
        return true;
      } catch (RegistryUnavailableException e) {
        return false;
      }
    });
    return answer.get(0);
  }
}
