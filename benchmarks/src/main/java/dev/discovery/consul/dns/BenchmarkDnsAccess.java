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
    return new ConsulDnsBackend(List.of(server), DnsNames.parseDomain("consul.", "domain"), null, null,
        false, false, Duration.ofSeconds(2));
  }
}
