package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spi.DiscoveryObserver;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The DNS backend behind a real caching forwarder: dnsmasq (Debian package {@code dnsmasq-base}) forwarding
 * {@code .consul} to the testkit's DNS interface, which trims UDP answers silently as Consul does. dnsmasq asks
 * upstream with its own EDNS buffer (1,232 bytes) and echoes EDNS to us whatever happened upstream, so a UDP
 * reply to a 60-instance question holds 18 instances and looks complete. Every lookup here must still see all
 * 60, over several refreshes, with Consul's TTL 0 and with a positive {@code service_ttl} (dnsmasq then answers
 * from its cache). Skipped, with a message, when dnsmasq is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsmasqForwarderTest {
  private static final String SKIPPED = "SKIPPED: dnsmasq is not installed (Debian: apt-get install dnsmasq-base,"
      + " binary /usr/sbin/dnsmasq); the DNS backend's test behind a caching forwarder did not run";
  private static final int INSTANCES = 60;
  /** A positive service_ttl, short so that several refreshes (one per TTL) take a few seconds. */
  private static final Duration SERVICE_TTL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  /** A service_ttl that outlives the test, so that what dnsmasq cached first is what it serves throughout. */
  private static final Duration LONG_TTL = Duration.ofSeconds(60);

  private final List<AutoCloseable> perClass = new ArrayList<>();
  private final List<AutoCloseable> perTest = new ArrayList<>();
  private final Map<InetSocketAddress, LocalDnsProcess> logs = new HashMap<>();
  private Path dir;
  /** dnsmasq as Debian runs it, in front of an agent with service_ttl 0 (Consul's default). */
  private InetSocketAddress forwarder;
  /** The same with a positive service_ttl, so that dnsmasq caches. */
  private InetSocketAddress cachingForwarder;
  /** dnsmasq asking upstream with a 512-byte buffer: Consul then cuts answers to 3, as without EDNS. */
  private InetSocketAddress smallBufferForwarder;
  /**
   * Caching, in front of an agent that trims UDP silently (Consul's default), with a TTL that outlives the test:
   * one UDP question from anyone fills dnsmasq's cache with a trimmed set. Only the test that shows it uses it.
   */
  private InetSocketAddress poisonableForwarder;
  private ConsulTestAgent poisonableAgent;
  /** The same in front of an agent with {@code dns_config.enable_truncate = true}: trimmed UDP replies carry TC. */
  private InetSocketAddress truncatingForwarder;
  private ConsulTestAgent truncatingAgent;

  @BeforeAll
  void startDnsmasq() throws Exception {
    Path binary = LocalDnsProcess.find("dnsmasq.binary", "dnsmasq", "/usr/sbin/dnsmasq", "/usr/local/sbin/dnsmasq");
    if (binary == null) {
      System.err.println(SKIPPED);
      return;
    }
    dir = Files.createTempDirectory("discovery-dnsmasq");
    ConsulTestAgent plain = agent(ConsulTestAgent.builder());
    ConsulTestAgent withTtl = agent(ConsulTestAgent.builder().serviceTtl(SERVICE_TTL));
    forwarder = dnsmasq(binary, "dnsmasq", plain);
    cachingForwarder = dnsmasq(binary, "dnsmasq-ttl", withTtl);
    smallBufferForwarder = dnsmasq(binary, "dnsmasq-512", plain, "--edns-packet-max=512");
    poisonableAgent = agent(ConsulTestAgent.builder().serviceTtl(LONG_TTL));
    poisonableForwarder = dnsmasq(binary, "dnsmasq-poisonable", poisonableAgent);
    truncatingAgent = agent(ConsulTestAgent.builder().serviceTtl(SERVICE_TTL).enableTruncate(true));
    truncatingForwarder = dnsmasq(binary, "dnsmasq-truncating", truncatingAgent);
  }

  @BeforeEach
  void requireDnsmasq() {
    Assumptions.assumeTrue(forwarder != null, SKIPPED);
  }

  @AfterEach
  void closeTest() throws Exception {
    for (AutoCloseable c : perTest) {
      c.close();
    }
    perTest.clear();
  }

  @AfterAll
  void stopAll() throws Exception {
    for (AutoCloseable c : perClass) {
      c.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private ConsulTestAgent agent(ConsulTestAgent.Builder builder) {
    ConsulTestAgent agent = builder.nodeName("node1").start();
    perClass.add(agent);
    for (int i = 1; i <= INSTANCES; i++) {
      agent.registerNodeService("big-" + i, "10.9.0." + i,
          "{\"Name\":\"big\",\"ID\":\"big-" + i + "\",\"Port\":" + (20000 + i) + "}");
    }
    return agent;
  }

  /** dnsmasq forwarding {@code .consul} (only) to {@code agent}'s DNS interface, on a free loopback port. */
  private InetSocketAddress dnsmasq(Path binary, String name, ConsulTestAgent agent, String... extra)
      throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    String user = System.getProperty("user.name");
    LocalDnsProcess process = LocalDnsProcess.start(name, work, port -> {
      List<String> command = new ArrayList<>(List.of(binary.toString(),
          // In the foreground but not --no-daemon: that debug mode serves a TCP connection in the main process,
          // and nothing else until the client closes it. Like this, dnsmasq forks for TCP as deployed.
          "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--log-facility=-",
          "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces",
          // Run as whoever runs the test (root in a sandbox), with no pid file to write.
          "--user=" + user, "--pid-file=", "--log-queries",
          "--server=/consul/127.0.0.1#" + agent.dnsPort()));
      command.addAll(List.of(extra));
      return command;
    }, Name.fromString("consul."));
    perClass.add(process);
    logs.put(process.address(), process);
    return process.address();
  }

  /** Discovery through {@code server}, configured further by {@code options}, that records each answer's size. */
  private CachingDiscovery discovery(InetSocketAddress server, List<Integer> answers,
      UnaryOperator<ConsulDnsBuilder> options) {
    CachingDiscovery discovery = options.apply(ConsulDiscovery.dns()
            .server(server)
            .timeout(TIMEOUT)
            .refreshInterval(Duration.ofMillis(50))
            .cache(c -> c.observer(new DiscoveryObserver() {
              @Override
              public QueryObserver queryStarted(QueryState state) {
                return new QueryObserver() {
                  @Override
                  public void refreshed(boolean changed) {
                    answers.add(state.instances());
                  }
                };
              }
            })))
        .build();
    perTest.add(discovery);
    return discovery;
  }

  /** Looks {@code big} up, then waits for {@code refreshes} more answers; every one must hold all 60. */
  private void allSixtyOverRefreshes(InetSocketAddress server, int refreshes, String what,
      UnaryOperator<ConsulDnsBuilder> options) throws Exception {
    List<Integer> answers = new CopyOnWriteArrayList<>();
    CachingDiscovery discovery = discovery(server, answers, options);
    try {
      List<ServiceInstance> first = discovery.instances(ServiceQuery.of("big"));
      assertThat(first).as(what + ": first lookup").hasSize(INSTANCES);
      assertThat(first).extracting(ServiceInstance::id).doesNotHaveDuplicates();
      // The observer hears of an answer before the cache holds it, so each entry from now on is the size of the
      // answer before that refresh: the first one's and those of the refreshes but the last (the final lookup).
      answers.clear();
      Await.until(what + ": " + refreshes + " refreshes after the first answer", () -> answers.size() > refreshes);
      assertThat(answers).as(what + ": instances in each answer").containsOnly(INSTANCES);
      assertThat(discovery.instances(ServiceQuery.of("big"))).as(what + ": last lookup").hasSize(INSTANCES);
    } catch (AssertionError | RuntimeException e) {
      // The log is what tells a trimmed set from a closed connection.
      throw new AssertionError(e.getMessage() + "\ndnsmasq's log:\n" + logs.get(server).log(), e);
    }
  }

  @Test
  void theForwarderHidesTheTrimFromUdpClients() throws Exception {
    // What the library is up against: TC clear and EDNS echoed, yet 18 of 60 (dnsmasq asked with 1,232 bytes)...
    Message viaDnsmasq = udpQuestion(forwarder);
    assertThat(viaDnsmasq.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(viaDnsmasq.getOPT()).isNotNull();
    assertThat(viaDnsmasq.getSection(Section.ANSWER)).hasSizeBetween(2, INSTANCES - 1);
    // ...and exactly Consul's no-EDNS limit of 3 when the forwarder asks with 512 bytes, EDNS still echoed.
    Message small = udpQuestion(smallBufferForwarder);
    assertThat(small.getOPT()).isNotNull();
    assertThat(small.getSection(Section.ANSWER)).hasSize(3);
  }

  private static Message udpQuestion(InetSocketAddress server) throws Exception {
    SimpleResolver resolver = new SimpleResolver(server);
    resolver.setEDNS(0, TrimRule.EDNS_BUFFER, 0, List.of());
    resolver.setIgnoreTruncation(true);
    resolver.setTimeout(TIMEOUT);
    return resolver.send(Message.newQuery(
        Record.newRecord(Name.fromString("big.service.consul."), Type.SRV, DClass.IN)));
  }

  @Test
  void allSixtyWithTtlZero() throws Exception {
    allSixtyOverRefreshes(forwarder, 5, "default, service_ttl 0", b -> b);
    allSixtyOverRefreshes(forwarder, 5, "udpFirst, service_ttl 0", ConsulDnsBuilder::udpFirst);
    allSixtyOverRefreshes(forwarder, 5, "tcp(true), service_ttl 0", b -> b.tcp(true));
  }

  @Test
  void allSixtyWithAPositiveTtlServedFromDnsmasqsCache() throws Exception {
    // Consul's silent trim (enable_truncate off): complete as long as no one asks dnsmasq this SRV name over UDP.
    allSixtyOverRefreshes(cachingForwarder, 3, "default, service_ttl 1s", b -> b);
    // dnsmasq answers from its cache without the extras, so the client asks the 120 A/AAAA follow-ups itself; with
    // tcp(true) on dnsjava's one connection, which dnsmasq closes after 100 questions (TcpLane bounds them).
    allSixtyOverRefreshes(cachingForwarder, 3, "tcp(true), service_ttl 1s", b -> b.tcp(true));
    // Not udpFirst(): its own UDP question would fill dnsmasq's cache with the trimmed set (the test with
    // enable_truncate covers it, and the one after a UDP question shows what happens without).
    assertThat(logs.get(cachingForwarder).log()).as("dnsmasq answered from its cache, not only by forwarding")
        .contains("cached big.service.consul");
  }

  @Test
  void allSixtyWhenTheForwarderAsksWith512Bytes() throws Exception {
    allSixtyOverRefreshes(smallBufferForwarder, 5, "default, upstream buffer 512", b -> b);
    allSixtyOverRefreshes(smallBufferForwarder, 5, "udpFirst, upstream buffer 512", ConsulDnsBuilder::udpFirst);
  }

  @Test
  void aTrimmedSetAnotherClientCachedIsServedOverTcpTooAndTheLibrarySaysWhatToSet() throws Exception {
    // Another application on the host asks over UDP, as most resolvers do: dnsmasq forwards with its own buffer,
    // Consul trims silently (no TC: enable_truncate is off, Consul's default), and dnsmasq caches the partial set.
    int trimmed = udpQuestion(poisonableForwarder).getSection(Section.ANSWER).size();
    assertThat(trimmed).isLessThan(INSTANCES);
    List<LogRecord> warnings = captureWarnings();
    List<Integer> answers = new CopyOnWriteArrayList<>();
    CachingDiscovery discovery = discovery(poisonableForwarder, answers, b -> b);
    // Our fresh TCP connection is served by a dnsmasq child forked with that cache: the same partial set, TC clear,
    // as complete-looking as any answer. No client can get past the cache; the library says so and what to set.
    assertThat(discovery.instances(ServiceQuery.of("big"))).as("what the cache holds").hasSize(trimmed);
    assertThat(warnings).extracting(LogRecord::getMessage).singleElement().asString()
        .contains("big.service.consul", "from a DNS cache", "dnsmasq", "dns_config.enable_truncate = true",
            "serve that partial set to every client, over TCP too");
    assertThat(logs.get(poisonableForwarder).log()).as("dnsmasq served our TCP question from its cache")
        .contains("cached big.service.consul");
  }

  /** Records the WARNs of the forwarder-cache check until the test ends. */
  private List<LogRecord> captureWarnings() {
    Logger logger = Logger.getLogger(ForwarderCacheCheck.class.getName());
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
          records.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    perTest.add(() -> logger.removeHandler(handler));
    return records;
  }

  @Test
  void withEnableTruncateATrimmedUdpReplyIsNotCachedAndEveryLookupSeesAllSixty() throws Exception {
    Message udp = udpQuestion(truncatingForwarder);
    assertThat(udp.getHeader().getFlag(Flags.TC)).as("dnsmasq passes Consul's TC bit on").isTrue();
    allSixtyOverRefreshes(truncatingForwarder, 2, "default after a UDP question, enable_truncate", b -> b);
    allSixtyOverRefreshes(truncatingForwarder, 2, "udpFirst, enable_truncate", ConsulDnsBuilder::udpFirst);
    allSixtyOverRefreshes(truncatingForwarder, 2, "tcp(true), enable_truncate", b -> b.tcp(true));
  }

  @Test
  void aTcpConnectionTheForwarderClosesCostsNoAnswer() throws Exception {
    // dnsjava keeps one TCP connection per server; dnsmasq closes it after a bounded number of questions.
    ConsulDnsBackend backend = new ConsulDnsBackend(List.of(forwarder), DnsNames.parseDomain("consul.", "domain"),
        null, null, false, Transport.TCP, TIMEOUT);
    perTest.add(backend);
    for (int i = 0; i < 300; i++) {
      assertThat(backend.fetch(ServiceQuery.of("big")).get(10, TimeUnit.SECONDS).instances())
          .as("question %d", i).hasSize(INSTANCES);
    }
  }
}
