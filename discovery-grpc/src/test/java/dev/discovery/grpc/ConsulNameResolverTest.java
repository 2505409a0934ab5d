package dev.discovery.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Health;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.NameResolver.ResolutionResult;
import io.grpc.ProxiedSocketAddress;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The resolver against a hand-driven discovery: what reaches the listener, on which thread, and when nothing does. */
class ConsulNameResolverTest {
  private final SynchronizationContext syncContext = new SynchronizationContext((t, e) -> {
    throw new AssertionError("uncaught in the synchronization context", e);
  });
  private final FakeDiscovery discovery = new FakeDiscovery();
  private final Recorder listener = new Recorder();

  private NameResolver.Args args() {
    return NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setProxyDetector(address -> (ProxiedSocketAddress) null)
        .setSynchronizationContext(syncContext)
        .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
          @Override
          public ConfigOrError parseServiceConfig(Map<String, ?> rawServiceConfig) {
            return ConfigOrError.fromConfig(rawServiceConfig);
          }
        })
        .build();
  }

  private NameResolver resolver(String target) {
    NameResolver resolver = ConsulNameResolverProvider.builder().discovery(discovery).build()
        .newNameResolver(URI.create(target), args());
    syncContext.execute(() -> resolver.start(listener));
    return resolver;
  }

  private static ServiceInstance instance(String id, String host, int port) {
    return new ServiceInstance(id, "echo", host, port, Set.of("v1"), Map.of("zone", "a"), 3, Health.PASSING);
  }

  @Test
  void theBuildersPolicyMustBeRegisteredWithGrpcAsATargetsLbMust() {
    assertThatThrownBy(() -> ConsulNameResolverProvider.builder().loadBalancingPolicy("round_robinn"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loadBalancingPolicy 'round_robinn' is not registered")
        .hasMessageContaining("LoadBalancerRegistry").hasMessageContaining("round_robin, pick_first");
    assertThat(ConsulNameResolverProvider.builder().loadBalancingPolicy("pick_first").build()).isNotNull();
  }

  @Test
  void everyChangeReachesTheListenerOnTheSynchronizationContextWithTheInstancesAttributes() {
    NameResolver resolver = resolver("consul:///echo?tag=v1");
    assertThat(resolver.getServiceAuthority()).isEqualTo("echo");
    assertThat(discovery.query).isEqualTo(ServiceQuery.of("echo").withTags("v1"));

    ServiceInstance v6 = instance("echo-2", "::1", 9002);
    discovery.push(List.of(instance("echo-1", "127.0.0.1", 9001), v6));
    assertThat(listener.results).hasSize(1);
    List<EquivalentAddressGroup> groups = listener.results.get(0).getAddressesOrError().getValue();
    assertThat(groups).hasSize(2);
    InetSocketAddress second = (InetSocketAddress) groups.get(1).getAddresses().get(0);
    assertThat(second.getAddress()).isInstanceOf(Inet6Address.class);
    assertThat(second.getPort()).isEqualTo(9002);
    assertThat(groups.get(1).getAttributes().get(ConsulAttributes.INSTANCE)).isEqualTo(v6);
    assertThat(groups.get(1).getAttributes().get(ConsulAttributes.INSTANCE_ID)).isEqualTo("echo-2");
    assertThat(groups.get(1).getAttributes().get(ConsulAttributes.TAGS)).containsExactly("v1");
    assertThat(groups.get(1).getAttributes().get(ConsulAttributes.META)).containsEntry("zone", "a");
    assertThat(groups.get(1).getAttributes().get(ConsulAttributes.WEIGHT)).isEqualTo(3);
    assertThat(listener.results.get(0).getServiceConfig().getConfig()).isEqualTo(
        Map.of("loadBalancingConfig", List.of(Map.of("round_robin", Map.of()))));

    discovery.push(List.of(instance("echo-1", "127.0.0.1", 9001)));
    assertThat(listener.results).hasSize(2);
    assertThat(listener.results.get(1).getAddressesOrError().getValue()).hasSize(1);
    assertThat(listener.outsideContext).isZero();
  }

  @Test
  void noInstanceIsUnavailableNamingServiceAndQueryNeverAnEmptyList() {
    NameResolver resolver = resolver("consul:///echo?dc=dc2&health=warning");
    discovery.push(List.of());
    assertThat(listener.results).isEmpty();
    assertThat(listener.errors).hasSize(1);
    Status error = listener.errors.get(0);
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription()).contains("'echo'").contains("dc=dc2").contains("health=passing_or_warning");

    syncContext.execute(resolver::refresh);
    assertThat(listener.errors).as("refresh repeats what is known, from memory").hasSize(2);
    assertThat(discovery.loads).isEqualTo(1);
  }

  @Test
  void aRegistryOutageSendsNothingAndRefreshRepeatsTheLastAddressesFromMemory() {
    NameResolver resolver = resolver("consul:///echo");
    discovery.push(List.of(instance("echo-1", "127.0.0.1", 9001)));
    // The outage: the cache keeps its answer and tells subscribers nothing; a failed first load cannot happen now.
    syncContext.execute(resolver::refresh);
    syncContext.execute(resolver::refresh);
    assertThat(listener.errors).isEmpty();
    assertThat(listener.results).hasSize(3)
        .allSatisfy(r -> assertThat(r.getAddressesOrError().getValue()).hasSize(1));
    assertThat(discovery.loads).as("no lookup beyond the first").isEqualTo(1);
  }

  @Test
  void aFailedFirstLoadFailsCallsFastUntilTheFirstAnswer() {
    discovery.firstLoad = CompletableFuture.failedFuture(
        new RegistryUnavailableException("echo", "consul-http http://127.0.0.1:1", null, new java.io.IOException("refused")));
    resolver("consul:///echo");
    assertThat(listener.errors).hasSize(1);
    assertThat(listener.errors.get(0).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(listener.errors.get(0).getDescription()).contains("consul:///echo").contains("'echo'");

    discovery.push(List.of(instance("echo-1", "127.0.0.1", 9001)));
    assertThat(listener.results).hasSize(1);
  }

  @Test
  void shutdownEndsTheSubscriptionAndLaterAnswersAreIgnored() {
    NameResolver resolver = resolver("consul:///echo?lb=channel");
    discovery.push(List.of(instance("echo-1", "127.0.0.1", 9001)));
    assertThat(listener.results.get(0).getServiceConfig()).as("lb=channel: no service config").isNull();
    syncContext.execute(resolver::shutdown);
    assertThat(discovery.subscribed).isFalse();
    assertThat(discovery.closed).as("the application's discovery is the application's to close").isFalse();
    discovery.deliver(List.of(instance("echo-2", "127.0.0.1", 9002)));
    assertThat(listener.results).hasSize(1);
  }

  /** Records what the resolver hands over, and whether it did so outside the synchronization context. */
  private final class Recorder extends NameResolver.Listener2 {
    final List<ResolutionResult> results = new CopyOnWriteArrayList<>();
    final List<Status> errors = new CopyOnWriteArrayList<>();
    int outsideContext;

    @Override
    public void onResult(ResolutionResult result) {
      check();
      results.add(result);
    }

    @Override
    public void onError(Status error) {
      check();
      errors.add(error);
    }

    private void check() {
      try {
        syncContext.throwIfNotInThisSynchronizationContext();
      } catch (IllegalStateException e) {
        outsideContext++;
      }
    }
  }

  /** A discovery driven by the test; answers are pushed from a thread of its own, as the cache's notifier does. */
  private static final class FakeDiscovery implements ServiceDiscovery {
    volatile ServiceQuery query;
    volatile Consumer<List<ServiceInstance>> subscriber;
    volatile boolean subscribed;
    volatile boolean closed;
    volatile int loads;
    CompletableFuture<List<ServiceInstance>> firstLoad = new CompletableFuture<>();

    void push(List<ServiceInstance> instances) {
      if (!firstLoad.isDone()) {
        firstLoad.complete(instances);
      }
      deliver(instances);
    }

    void deliver(List<ServiceInstance> instances) {
      Thread t = new Thread(() -> {
        if (subscribed) {
          subscriber.accept(instances);
        }
      }, "fake-discovery-notify");
      t.start();
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    public List<ServiceInstance> instances(ServiceQuery q) {
      throw new UnsupportedOperationException("the resolver must not block on a lookup");
    }

    @Override
    public CompletableFuture<List<ServiceInstance>> instancesAsync(ServiceQuery q) {
      loads++;
      return firstLoad;
    }

    @Override
    public ServiceSnapshot snapshot(ServiceQuery q) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Subscription subscribe(ServiceQuery q, Consumer<List<ServiceInstance>> onChange) {
      query = q;
      subscriber = onChange;
      subscribed = true;
      return () -> subscribed = false;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
