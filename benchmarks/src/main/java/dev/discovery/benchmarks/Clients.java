package dev.discovery.benchmarks;

import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.consul.ConsulDiscovery;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.Service;
import io.smallrye.stork.api.ServiceDefinition;
import io.smallrye.stork.servicediscovery.consul.ConsulConfiguration;
import io.smallrye.stork.integration.DefaultStorkInfrastructure;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;
import org.kiwiproject.consul.model.health.ServiceHealth;

/**
 * How each library under test is set up against the same agent, each in its documented, recommended
 * configuration: the defaults, except where a benchmark names the setting it changes.
 */
final class Clients {
  private Clients() {}

  /** Ours: the Consul HTTP backend with blocking queries, defaults otherwise. */
  static CachingDiscovery ours(ConsulTestAgent consul) {
    return ConsulDiscovery.http().agents(consul.httpUri()).build();
  }

  /**
   * Stork's Consul service discovery with its default round robin, defined programmatically (no MicroProfile
   * config needed). {@code refreshPeriod} null keeps Stork's default (5 minutes).
   */
  static Service stork(ConsulTestAgent consul, String serviceName, String refreshPeriod) {
    synchronized (Clients.class) {
      if (storkVertx == null) {
        // Stork creates its own Vert.x, whose threads are not daemons and outlive Stork.shutdown(); handing
        // it one through its infrastructure SPI (as Quarkus does) lets a trial end cleanly.
        Vertx vertx = Vertx.vertx();
        storkVertx = vertx;
        Stork.initialize(new DefaultStorkInfrastructure() {
          @Override
          public <T> T get(Class<T> utilityClass, Supplier<T> defaultSupplier) {
            return utilityClass == Vertx.class ? utilityClass.cast(vertx) : super.get(utilityClass, defaultSupplier);
          }
        });
      }
    }
    ConsulConfiguration config = new ConsulConfiguration()
        .withConsulHost("127.0.0.1")
        .withConsulPort(Integer.toString(consul.httpPort()))
        .withApplication(serviceName);
    if (refreshPeriod != null) {
      config = config.withRefreshPeriod(refreshPeriod);
    }
    // Stork keeps services by name for the life of its singleton; a unique name per set-up keeps trials apart.
    String storkName = serviceName + "-" + storkCounter.incrementAndGet();
    Stork.getInstance().defineIfAbsent(storkName, ServiceDefinition.of(config));
    return Stork.getInstance().getService(storkName);
  }

  static synchronized void shutdownStork() throws Exception {
    if (storkVertx != null) {
      Stork.shutdown();
      storkVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      storkVertx = null;
    }
  }

  private static Vertx storkVertx;
  private static final AtomicInteger storkCounter = new AtomicInteger();

  /**
   * kiwiproject consul-client with default settings, except the read timeout: its caches refuse to start
   * unless it exceeds the 10 s watch (OkHttp's default is exactly 10 s), so every cache user must raise it.
   */
  static Consul kiwiClient(ConsulTestAgent consul) {
    return Consul.builder()
        .withUrl(consul.httpUri().toString())
        .withReadTimeoutMillis(KIWI_READ_TIMEOUT_MILLIS)
        .build();
  }

  static final long KIWI_READ_TIMEOUT_MILLIS = 15_000;

  /** kiwi's {@link ServiceHealthCache} for passing instances (its default), started and initialised. */
  static ServiceHealthCache kiwiCache(Consul client, String service) {
    ServiceHealthCache cache = ServiceHealthCache.newCache(client.healthClient(), service);
    cache.start();
    try {
      if (!cache.awaitInitialized(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("kiwi ServiceHealthCache for '" + service + "' not initialised in 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return cache;
  }

  /** Waits until {@code condition} holds, polling every 50 µs, or fails after {@code timeout}. */
  static void await(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000);
    }
  }

  static boolean kiwiHasPort(List<ServiceHealth> healths, int port) {
    for (ServiceHealth h : healths) {
      if (h.getService().getPort() == port) {
        return true;
      }
    }
    return false;
  }
}
