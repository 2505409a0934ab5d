package dev.discovery.grpc;

import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.Subscription;
import dev.discovery.cache.CachingDiscovery;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * Resolves one {@code consul:} target for one channel, driven by the library's subscription: every answer the
 * cache receives is converted off the channel's thread and handed to the listener on gRPC's synchronization
 * context, in order. An answer without instances becomes {@code UNAVAILABLE}, never an empty address list; a
 * registry outage sends nothing at all, so the channel keeps the last good addresses.
 */
final class ConsulNameResolver extends NameResolver {
  private final ConsulTarget target;
  private final SharedDiscoveries.Lease lease;
  private final SynchronizationContext syncContext;
  private final ConfigOrError serviceConfig;

  // Everything below is read and written on the synchronization context only.
  private Listener2 listener;
  private Subscription subscription;
  /** What the listener was last given: the addresses, or why there are none; {@code null} before the first answer. */
  private List<EquivalentAddressGroup> addresses;
  private Status error;
  private boolean shutdown;

  ConsulNameResolver(ConsulTarget target, SharedDiscoveries.Lease lease, Args args, Map<String, ?> serviceConfig) {
    this.target = target;
    this.lease = lease;
    this.syncContext = args.getSynchronizationContext();
    this.serviceConfig = serviceConfig == null ? null : args.getServiceConfigParser().parseServiceConfig(serviceConfig);
  }

  /** The service's name: what the channel sends as {@code :authority} and checks a TLS certificate against. */
  @Override
  public String getServiceAuthority() {
    return target.query().service();
  }

  @Override
  public void start(Listener2 listener) {
    if (this.listener != null) {
      throw new IllegalStateException("the resolver of " + target.display() + " is already started");
    }
    this.listener = listener;
    ServiceDiscovery discovery = lease.discovery();
    ServiceQuery query = target.query();
    try {
      // The subscriber runs on the discovery's notification thread: convert there, deliver on the channel's context.
      subscription = discovery.subscribe(query, instances -> {
        List<EquivalentAddressGroup> groups = AddressGroups.of(instances);
        syncContext.execute(() -> onAnswer(instances, groups));
      });
      // Subscriptions hear answers only; a first load that fails must still fail the channel's calls fast.
      discovery.instancesAsync(query).whenComplete((instances, failure) -> {
        if (failure != null) {
          syncContext.execute(() -> onFirstLoadFailed(failure));
        }
      });
    } catch (RuntimeException e) {
      onFirstLoadFailed(e);
    }
  }

  private void onAnswer(List<ServiceInstance> instances, List<EquivalentAddressGroup> groups) {
    if (shutdown) {
      return;
    }
    if (groups.isEmpty()) {
      addresses = null;
      error = Status.UNAVAILABLE.withDescription(noInstance(instances.size()));
      listener.onError(error);
      return;
    }
    addresses = groups;
    error = null;
    deliver();
  }

  private void onFirstLoadFailed(Throwable failure) {
    if (shutdown || addresses != null || error != null) {
      return; // an answer came first (or meanwhile): it says more than the failure
    }
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    // Not remembered as the error: the watch keeps retrying and its first answer replaces this at once.
    listener.onError(Status.UNAVAILABLE.withDescription("cannot resolve " + target.display() + " for "
        + query() + " at " + backend() + ": " + cause.getMessage()).withCause(cause));
  }

  // setAddresses, not the newer setAddressesOrError: it exists in every gRPC this module supports (see README).
  @SuppressWarnings("deprecation")
  private void deliver() {
    ResolutionResult.Builder result = ResolutionResult.newBuilder().setAddresses(addresses);
    if (serviceConfig != null) {
      result.setServiceConfig(serviceConfig);
    }
    listener.onResult(result.build());
  }

  /**
   * Hands the listener what it was last given, from memory: the cache is kept fresh by its watch, so there is
   * nothing to ask the registry. gRPC calls this after connection failures and, with back-off, after errors.
   */
  @Override
  public void refresh() {
    if (listener == null || shutdown) {
      return;
    }
    if (addresses != null) {
      deliver();
    } else if (error != null) {
      listener.onError(error);
    } else {
      lease.discovery().instancesAsync(target.query()).whenComplete((instances, failure) -> {
        if (failure != null) {
          syncContext.execute(() -> onFirstLoadFailed(failure));
        }
      });
    }
  }

  /** Ends the subscription and gives up this resolver's hold on the discovery (the last one closes it). */
  @Override
  public void shutdown() {
    if (shutdown) {
      return;
    }
    shutdown = true;
    try {
      if (subscription != null) {
        subscription.close();
      }
    } finally {
      lease.release();
    }
  }

  private String noInstance(int unusable) {
    String why = unusable == 0
        ? "no healthy instance of service '" + target.query().service() + "' (unknown service, or every instance "
            + "failing its checks)"
        : "none of the " + unusable + " instance(s) of service '" + target.query().service()
            + "' has a resolvable address";
    return why + " for " + query() + " at " + backend() + " (target " + target.display() + "); register it, "
        + "fix its checks, or accept warning instances with health=warning";
  }

  private String query() {
    return "query " + target.query();
  }

  private String backend() {
    ServiceDiscovery discovery = lease.discovery();
    return discovery instanceof CachingDiscovery ? ((CachingDiscovery) discovery).backendDescription() : "the "
        + "application's ServiceDiscovery";
  }

  @Override
  public String toString() {
    return "ConsulNameResolver{" + target.display() + "}";
  }
}
