package dev.discovery.grpc;

import dev.discovery.ServiceInstance;
import io.grpc.Attributes;
import java.util.Map;
import java.util.Set;

/**
 * The keys under which the resolver attaches what Consul says about an instance to its
 * {@link io.grpc.EquivalentAddressGroup}. gRPC's built-in policies ignore them; a custom
 * {@link io.grpc.LoadBalancer} (or an interceptor reading the subchannel's attributes) can use them, for example
 * to weigh instances by their Consul {@code Weights}.
 */
public final class ConsulAttributes {
  /** The whole instance as the library sees it. */
  public static final Attributes.Key<ServiceInstance> INSTANCE = Attributes.Key.create("dev.discovery.grpc.instance");
  /** The Consul service ID of the instance. */
  public static final Attributes.Key<String> INSTANCE_ID = Attributes.Key.create("dev.discovery.grpc.instance-id");
  /** The instance's tags. */
  public static final Attributes.Key<Set<String>> TAGS = Attributes.Key.create("dev.discovery.grpc.tags");
  /** The instance's service metadata. */
  public static final Attributes.Key<Map<String, String>> META = Attributes.Key.create("dev.discovery.grpc.meta");
  /** The instance's weight for its current health (Consul's {@code Weights.Passing} or {@code Weights.Warning}). */
  public static final Attributes.Key<Integer> WEIGHT = Attributes.Key.create("dev.discovery.grpc.weight");

  private ConsulAttributes() {}

  /** The attributes of one instance, under every key above. */
  static Attributes of(ServiceInstance instance) {
    return Attributes.newBuilder()
        .set(INSTANCE, instance)
        .set(INSTANCE_ID, instance.id())
        .set(TAGS, instance.tags())
        .set(META, instance.meta())
        .set(WEIGHT, instance.weight())
        .build();
  }
}
