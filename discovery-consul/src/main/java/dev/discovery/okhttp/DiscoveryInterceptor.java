package dev.discovery.okhttp;

import dev.discovery.ServiceInstance;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.balance.ServiceUris;
import dev.discovery.call.CallPolicy;
import dev.discovery.call.HttpCalls;
import dev.discovery.call.OutgoingCall;
import java.io.IOException;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An OkHttp application interceptor that sends requests for {@code http://<service>.service/...} to an
 * instance chosen by a {@link ServiceSelector}, and tells the selector how each call went so that failing
 * instances are ejected. Requests to any other host pass through untouched.
 *
 * <p>It is a thin adapter over the shared {@link CallPolicy}: an idempotent request (GET, HEAD, PUT, DELETE,
 * OPTIONS) that fails with an {@link IOException} is retried once on another instance, unless its body is
 * one-shot ({@link RequestBody#isOneShot()}) or the call was cancelled; other requests are never retried. A
 * 5xx response or an {@code IOException} counts as a failure of the instance, anything else (4xx included) as
 * a success. When discovery has no instance, the call fails with a {@link NoInstanceAvailableException} that
 * names the service.
 *
 * <pre>{@code
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(DiscoveryInterceptor.builder(selector).build())
 *     .build();
 * client.newCall(new Request.Builder().url("http://web.service/health").build()).execute();
 * }</pre>
 *
 * <p>Add it with {@code addInterceptor}, not {@code addNetworkInterceptor}: the host must be replaced before
 * OkHttp picks a connection.
 */
public final class DiscoveryInterceptor implements Interceptor {
  private final ServiceUris uris;
  private final CallPolicy policy;

  private DiscoveryInterceptor(Builder builder) {
    this.uris = builder.uris;
    this.policy = CallPolicy.builder(builder.selector).retryOnConnectionFailure(builder.retry).build();
  }

  /** Starts building an interceptor that chooses instances with {@code selector}. */
  public static Builder builder(ServiceSelector selector) {
    return new Builder(selector);
  }

  /** Resolves, sends, reports and (for idempotent requests) retries once; see the class description. */
  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    String service = uris.serviceOf(request.url().host());
    if (service == null) {
      return chain.proceed(request);
    }
    RequestBody body = request.body();
    OutgoingCall<Response> call = OutgoingCall.<Response>to(service, r -> HttpCalls.outcome(r.code()))
        .idempotent(HttpCalls.idempotent(request.method()))
        // A one-shot body (a stream) was consumed by the first attempt and cannot be sent again.
        .oneShotBody(body != null && body.isOneShot())
        .cancelledWhen(chain.call()::isCanceled)
        .build();
    return policy.call(call, instance -> chain.proceed(pointedAt(request, instance)));
  }

  /** {@code request} with the service host replaced by the instance's host and port. */
  private static Request pointedAt(Request request, ServiceInstance instance) {
    return request.newBuilder()
        .url(request.url().newBuilder().host(instance.host()).port(instance.port()).build())
        .build();
  }

  @Override
  public String toString() {
    return "DiscoveryInterceptor{" + uris + "}";
  }

  /** Configures a {@link DiscoveryInterceptor}. */
  public static final class Builder {
    private final ServiceSelector selector;
    private ServiceUris uris = ServiceUris.defaults();
    private boolean retry = true;

    private Builder(ServiceSelector selector) {
      this.selector = Objects.requireNonNull(selector, "selector");
    }

    /**
     * The host suffix that marks a service: {@code ".service"} by default, so {@code web.service} means the
     * service {@code web}. Hosts without it pass through.
     */
    public Builder hostSuffix(String suffix) {
      this.uris = ServiceUris.withSuffix(suffix);
      return this;
    }

    /** Whether an idempotent request is retried once on another instance after an I/O failure; on by default. */
    public Builder retryOnConnectionFailure(boolean retry) {
      this.retry = retry;
      return this;
    }

    /** Builds the interceptor. */
    public DiscoveryInterceptor build() {
      return new DiscoveryInterceptor(this);
    }
  }
}
