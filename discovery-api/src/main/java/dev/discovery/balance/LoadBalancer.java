package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;

/**
 * Chooses one instance among the healthy ones for the next call. Implementations are thread-safe and
 * allocate nothing per pick; get them from {@link LoadBalancers}.
 */
public interface LoadBalancer {

  /** One of {@code instances}, which is never empty; {@code query} identifies whose rotation it is. */
  ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances);

  /** Told when a call to {@code instance} starts (used by balancers that count calls in flight). */
  default void onStart(ServiceInstance instance) {}

  /** Told when a call to {@code instance} that was {@linkplain #onStart started} ends. */
  default void onComplete(ServiceInstance instance, Outcome outcome) {}
}
