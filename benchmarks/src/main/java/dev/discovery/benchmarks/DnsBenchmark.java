package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spi.DiscoveryBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Figure 6: DNS lookup cost against the testkit agent's DNS interface (loopback UDP), for
 * {@code web.service.consul} with 10 passing instances.
 * <ul>
 *   <li>{@code oursCached}: {@code ConsulDiscovery.dns()...build().instances(query)}, served from the cache
 *       (what every lookup but the first and the periodic refresh costs);</li>
 *   <li>{@code oursUncached}: one SRV question through our DNS backend with no cache in front (UDP with EDNS,
 *       addresses from the additional section, conversion to instances): what a refresh costs;</li>
 *   <li>{@code dnsjavaRaw}: the floor for that question, a bare dnsjava {@link SimpleResolver#send} of the same
 *       SRV question with the same EDNS buffer, reply unparsed beyond dnsjava's own decoding.</li>
 * </ul>
 * No peer is measured here: kiwi has no DNS support, and Stork's DNS discovery is a separate artifact
 * ({@code stork-service-discovery-dns}) not among the benchmarked ones.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = Agents.NO_DELAY)
public class DnsBenchmark {
  static final String SERVICE = "web";
  static final int INSTANCES = 10;

  /** The agent with {@code web} registered. */
  @State(Scope.Benchmark)
  public static class Agent {
    ConsulTestAgent consul;

    @Setup(Level.Trial)
    public void setUp() {
      consul = Agents.withService(SERVICE, INSTANCES, 20000);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      consul.close();
    }
  }

  @State(Scope.Benchmark)
  public static class OursCached {
    CachingDiscovery discovery;
    final ServiceQuery query = ServiceQuery.of(SERVICE);

    @Setup(Level.Trial)
    public void setUp(Agent agent) {
      discovery = ConsulDiscovery.dns().server(agent.consul.dnsAddress()).build();
      expect("ours (cached)", discovery.instances(query).size());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      discovery.close();
    }
  }

  @State(Scope.Benchmark)
  public static class OursUncached {
    DiscoveryBackend backend;
    final ServiceQuery query = ServiceQuery.of(SERVICE);

    @Setup(Level.Trial)
    public void setUp(Agent agent) {
      // The backend ConsulDiscovery.dns().server(..).build() puts its cache in front of, with every default.
      backend = ConsulDiscovery.dns().server(agent.consul.dnsAddress()).backend();
      expect("ours (uncached)", lookup());
    }

    int lookup() {
      return backend.fetch(query).join().instances().size();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      backend.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Raw {
    SimpleResolver resolver;
    Record question;

    @Setup(Level.Trial)
    public void setUp(Agent agent) throws Exception {
      resolver = new SimpleResolver(agent.consul.dnsAddress());
      resolver.setEDNS(0, 4096, 0, List.of());
      resolver.setTimeout(Duration.ofSeconds(2));
      question = Record.newRecord(Name.fromString(SERVICE + ".service.consul."), Type.SRV, DClass.IN);
      Message reply = send();
      if (reply.getRcode() != Rcode.NOERROR) {
        throw new IllegalStateException("raw dnsjava: " + Rcode.string(reply.getRcode()));
      }
      expect("raw dnsjava", reply.getSection(Section.ANSWER).size());
    }

    Message send() throws Exception {
      return resolver.send(Message.newQuery(question));
    }
  }

  static void expect(String who, int got) {
    if (got != INSTANCES) {
      throw new IllegalStateException(who + " saw " + got + " instances of web, expected " + INSTANCES);
    }
  }

  @Benchmark
  public List<ServiceInstance> oursCached(OursCached s) {
    return s.discovery.instances(s.query);
  }

  @Benchmark
  public List<ServiceInstance> oursUncached(OursUncached s) {
    return s.backend.fetch(s.query).join().instances();
  }

  @Benchmark
  public Message dnsjavaRaw(Raw s) throws Exception {
    return s.send();
  }
}
