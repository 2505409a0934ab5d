package dev.discovery.okhttp;

import dev.discovery.DiscoveryException;
import dev.discovery.ServiceInstance;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.balance.ServiceUris;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OkHttp application interceptor that sends requests for {@code http://<service>.service/...} to an
 * instance chosen by a {@link ServiceSelector}, and tells the selector how each call went so that failing
 * instances are ejected. Requests to any other host pass through untouched.
 *
 * <p>An idempotent request (GET, HEAD, PUT, DELETE, OPTIONS) that fails with an {@link IOException} is retried
 * once on another instance; other requests are never retried. A 5xx response or an {@code IOException} counts
 * as a failure of the instance, anything else (4xx included) as a success. When discovery has no instance,
 * the call fails with a {@link NoInstanceAvailableException} that names the service.
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
  private static final Logger log = LoggerFactory.getLogger(DiscoveryInterceptor.class);
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");
  /** Picks asked of the selector to find an instance other than the one that just failed. */
  private static final int REPICKS = 3;

  private final ServiceSelector selector;
  private final ServiceUris uris;
  private final boolean retry;

  private DiscoveryInterceptor(Builder builder) {
    this.selector = builder.selector;
    this.uris = builder.uris;
    this.retry = builder.retry;
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
    ServiceInstance first = choose(service);
    try {
      return send(chain, request, first);
    } catch (IOException e) {
      if (!retryable(request) || chain.call().isCanceled()) {
        throw e;
      }
      ServiceInstance second = chooseOtherThan(service, first);
      if (second == null) {
        throw e;
      }
      log.debug("{} {} failed on {} ({}), retrying on {}", request.method(), service, first.address(),
          e.getClass().getSimpleName(), second.address());
      try {
        return send(chain, request, second);
      } catch (IOException again) {
        again.addSuppressed(e);
        throw again;
      }
    }
  }

  private boolean retryable(Request request) {
    // A one-shot body (a stream) was consumed by the first attempt and cannot be sent again.
    return retry && IDEMPOTENT.contains(request.method())
        && (request.body() == null || !request.body().isOneShot());
  }

  private Response send(Chain chain, Request request, ServiceInstance instance) throws IOException {
    HttpUrl url = request.url().newBuilder().host(instance.host()).port(instance.port()).build();
    Response response;
    try {
      response = chain.proceed(request.newBuilder().url(url).build());
    } catch (IOException | RuntimeException e) {
      selector.report(instance, Outcome.FAILURE);
      throw e;
    }
    selector.report(instance, response.code() >= 500 ? Outcome.FAILURE : Outcome.SUCCESS);
    return response;
  }

  private ServiceInstance choose(String service) throws NoInstanceAvailableException {
    try {
      return selector.next(service);
    } catch (DiscoveryException e) {
      throw new NoInstanceAvailableException(service, e);
    }
  }

  /**
   * Another instance than {@code failed}, or {@code null} if the selector keeps offering only that one. A pick
   * of the failed instance is reported as a failure: it was not called again, but it refused moments ago, and
   * every pick must be reported so that balancers counting calls in flight stay right.
   */
  private ServiceInstance chooseOtherThan(String service, ServiceInstance failed) {
    for (int i = 0; i < REPICKS; i++) {
      ServiceInstance candidate;
      try {
        candidate = selector.next(service);
      } catch (DiscoveryException e) {
        return null; // the first failure is the one worth reporting
      }
      if (!candidate.id().equals(failed.id())) {
        return candidate;
      }
      selector.report(candidate, Outcome.FAILURE);
    }
    return null;
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
