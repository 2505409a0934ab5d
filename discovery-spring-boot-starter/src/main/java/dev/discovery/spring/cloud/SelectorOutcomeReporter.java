package dev.discovery.spring.cloud;

import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;

/**
 * Feeds how each load-balanced call went back to the {@link ServiceSelector}, so that failing instances are
 * ejected: Spring Cloud LoadBalancer calls it at the end of every {@code @LoadBalanced} {@code RestClient},
 * {@code RestTemplate} and {@code WebClient} exchange.
 *
 * <p>A 5xx answer or an exception (refused, reset, time-out) is a failure; any other answer, 4xx included, is
 * a success (the instance is alive). A call that picked no instance, or one picked by another balancer, is
 * not reported.
 */
@SuppressWarnings("rawtypes")
public final class SelectorOutcomeReporter implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {
  private final ServiceSelector selector;

  /** Reports to {@code selector}. */
  public SelectorOutcomeReporter(ServiceSelector selector) {
    this.selector = selector;
  }

  @Override
  public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
    return serverTypeClass == null || ServiceInstance.class.isAssignableFrom(serverTypeClass);
  }

  @Override
  public void onStart(Request<Object> request) {}

  @Override
  public void onStartRequest(Request<Object> request, Response<ServiceInstance> lbResponse) {}

  @Override
  public void onComplete(CompletionContext<Object, ServiceInstance, Object> completion) {
    Response<ServiceInstance> response = completion.getLoadBalancerResponse();
    if (response == null || !(response.getServer() instanceof ConsulServiceInstance)) {
      return;
    }
    Outcome outcome = outcome(completion);
    if (outcome != null) {
      selector.report(((ConsulServiceInstance) response.getServer()).instance(), outcome);
    }
  }

  /** The outcome of a completed call, or {@code null} when it says nothing about the instance. */
  static Outcome outcome(CompletionContext<Object, ServiceInstance, Object> completion) {
    switch (completion.status()) {
      case FAILED:
        return Outcome.FAILURE;
      case SUCCESS:
        Object client = completion.getClientResponse();
        if (client instanceof ResponseData) {
          ResponseData data = (ResponseData) client;
          if (data.getHttpStatus() != null && data.getHttpStatus().is5xxServerError()) {
            return Outcome.FAILURE;
          }
        }
        return Outcome.SUCCESS;
      default:
        return null; // DISCARD: no instance was called
    }
  }
}
