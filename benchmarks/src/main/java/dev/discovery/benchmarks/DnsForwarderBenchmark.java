package dev.discovery.benchmarks;

import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.dns.ConsulDnsBuilder;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spi.DiscoveryBackend;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 8: one DNS refresh (an uncached fetch through our DNS backend, exactly what the cache calls on each
 * refresh) of a service through a real dnsmasq forwarding {@code .consul} to the testkit's DNS interface, as
 * the deployment with dnsmasq on each agent host runs it, by transport:
 * <ul>
 *   <li>{@code UDP_FIRST} ({@code udpFirst()}): UDP, then TCP when the rule cannot trust the reply (always for
 *       60 instances: dnsmasq passes on part of them);</li>
 *   <li>{@code SRV_OVER_TCP} (the default): the SRV question over TCP only;</li>
 *   <li>{@code TCP} ({@code tcp(true)}): every question over TCP (here the same questions as the default: the
 *       addresses come in the SRV reply's additional section).</li>
 * </ul>
 * With 2 instances the reply holds each node's meta TXT record as Consul's does by default, which leaves no
 * room for a third answer under 504 bytes uncompressed, so UDP_FIRST asks again over TCP there too. Needs
 * {@code dnsmasq} on the PATH or in /usr/sbin ({@code apt-get install dnsmasq-base}); fails at set-up otherwise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = Agents.NO_DELAY)
@State(Scope.Benchmark)
public class DnsForwarderBenchmark {
  static final String SERVICE = "big";

  @Param({"60", "2"})
  public int instances;

  @Param({"UDP_FIRST", "SRV_OVER_TCP", "TCP"})
  public String transport;

  private ConsulTestAgent consul;
  private Process dnsmasq;
  private Path work;
  private DiscoveryBackend backend;
  private final ServiceQuery query = ServiceQuery.of(SERVICE);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    consul = Agents.withService(SERVICE, instances, 20000);
    work = Files.createTempDirectory("dnsmasq-benchmark");
    InetSocketAddress address = startDnsmasq(consul.dnsPort());
    backend = backend(address, transport);
    int seen = refresh().size();
    if (seen != instances) {
      throw new IllegalStateException(transport + " saw " + seen + " of " + instances + " instances through dnsmasq");
    }
  }

  /**
   * The backend {@code ConsulDiscovery.dns().server(address)} puts its cache in front of, asking as the named
   * transport does: {@code SRV_OVER_TCP} (the default), {@code UDP_FIRST} ({@code udpFirst()}) or {@code TCP}
   * ({@code tcp(true)}).
   */
  static DiscoveryBackend backend(InetSocketAddress address, String transport) {
    ConsulDnsBuilder dns = ConsulDiscovery.dns().server(address);
    switch (transport) {
      case "SRV_OVER_TCP":
        return dns.backend();
      case "UDP_FIRST":
        return dns.udpFirst().backend();
      case "TCP":
        return dns.tcp(true).backend();
      default:
        throw new IllegalArgumentException("unknown transport " + transport + "; use SRV_OVER_TCP, UDP_FIRST or TCP");
    }
  }

  /** dnsmasq as Debian runs it, forwarding {@code .consul} only, on a free loopback port. */
  private InetSocketAddress startDnsmasq(int consulPort) throws Exception {
    Path binary = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(d -> Path.of(d, "dnsmasq")).filter(Files::isExecutable).findFirst()
        .orElse(Path.of("/usr/sbin/dnsmasq"));
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("dnsmasq is not installed (Debian: apt-get install dnsmasq-base)");
    }
    int port;
    try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      port = probe.getLocalPort();
    }
    dnsmasq = new ProcessBuilder(binary.toString(), "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
        "--no-hosts", "--log-facility=-", "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces",
        "--user=" + System.getProperty("user.name"), "--pid-file=", "--server=/consul/127.0.0.1#" + consulPort)
        .redirectErrorStream(true).redirectOutput(work.resolve("dnsmasq.log").toFile()).start();
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    awaitAnswer(address);
    return address;
  }

  /** Polls until dnsmasq forwards a first question (it gives no other sign of being ready). */
  private void awaitAnswer(InetSocketAddress address) throws Exception {
    DiscoveryBackend probe = backend(address, "UDP_FIRST");
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        try {
          probe.fetch(query).get(1, TimeUnit.SECONDS);
          return;
        } catch (Exception e) {
          if (!dnsmasq.isAlive() || System.nanoTime() > deadline) {
            throw new IOException("dnsmasq did not answer: " + Files.readString(work.resolve("dnsmasq.log")), e);
          }
          Thread.sleep(50);
        }
      }
    } finally {
      probe.close();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    backend.close();
    dnsmasq.destroy();
    dnsmasq.waitFor(5, TimeUnit.SECONDS);
    consul.close();
    Files.deleteIfExists(work.resolve("dnsmasq.log"));
    Files.deleteIfExists(work);
  }

  private List<ServiceInstance> refresh() {
    return backend.fetch(query).join().instances();
  }

  @Benchmark
  public List<ServiceInstance> refreshThroughDnsmasq() {
    return refresh();
  }
}
