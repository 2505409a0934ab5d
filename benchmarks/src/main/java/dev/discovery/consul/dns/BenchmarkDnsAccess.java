package dev.discovery.consul.dns;

import dev.discovery.spi.DiscoveryBackend;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * For the benchmarks only (it lives in the benchmarks module, in this package to reach a package-private
 * class): our Consul DNS backend on its own, without the cache {@link ConsulDnsBuilder#build()} puts in front
 * of it, so that figure 6 can time one uncached SRV lookup through exactly the code the cache calls.
 */
public final class BenchmarkDnsAccess {
  private BenchmarkDnsAccess() {}

  /** The backend {@code ConsulDiscovery.dns().server(server).build()} would use, with every default. */
  public static DiscoveryBackend uncachedBackend(InetSocketAddress server) {
    return uncachedBackend(server, "SRV_OVER_TCP");
  }

  /**
   * The same with another transport, named as the package's {@code Transport} constants: {@code SRV_OVER_TCP}
   * (the default), {@code UDP_FIRST} ({@code udpFirst()}) or {@code TCP} ({@code tcp(true)}).
   */
  public static DiscoveryBackend uncachedBackend(InetSocketAddress server, String transport) {
    return new ConsulDnsBackend(List.of(server), DnsNames.parseDomain("consul.", "domain"), null, null,
        false, Transport.valueOf(transport), Duration.ofSeconds(2));
  }
}
