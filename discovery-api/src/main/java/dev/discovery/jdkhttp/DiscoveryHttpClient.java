package dev.discovery.jdkhttp;

import dev.discovery.ServiceInstance;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.balance.ServiceUris;
import dev.discovery.call.CallPolicy;
import dev.discovery.call.HttpCalls;
import dev.discovery.call.OutgoingCall;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Sends {@link java.net.http.HttpClient} requests for {@code http://<service>.service/...} to an instance
 * chosen by a {@link ServiceSelector}, and tells the selector how each call went so that failing instances are
 * ejected. Requests to any other host are sent unchanged. For applications that use the JDK's client only.
 *
 * <p>It is a thin adapter over the shared {@link CallPolicy}: an idempotent request (GET, HEAD, PUT, DELETE,
 * OPTIONS) that fails with an {@link IOException} is retried once on another instance, re-sending its body
 * publisher, unless the call was cancelled (its thread interrupted, or its future cancelled) or its body is
 * one-shot; other requests are never retried. The JDK's own publishers (no body, {@code ofString},
 * {@code ofByteArray}, {@code ofByteArrays}, {@code ofFile}, {@code ofInputStream}) can be sent again; one from
 * {@code fromPublisher}, a {@code concat} of several, or a publisher of your own counts as one-shot, since
 * nothing says it can be subscribed to twice. A 5xx response or an {@code IOException} counts as a failure
 * of the instance, anything else (4xx included) as a success. When discovery has no instance, {@link #send}
 * throws a {@link NoInstanceAvailableException} naming the service.
 *
 * <pre>{@code
 * DiscoveryHttpClient client = DiscoveryHttpClient.builder(HttpClient.newHttpClient(), selector).build();
 * HttpResponse<String> r = client.send(
 *     HttpRequest.newBuilder(URI.create("http://web.service/health")).build(), BodyHandlers.ofString());
 * }</pre>
 */
public final class DiscoveryHttpClient {
  /**
   * The publishers of {@link HttpRequest.BodyPublishers} that produce the same bytes at every subscription,
   * by class name since the JDK offers no way to ask. Everything else is treated as one-shot.
   */
  private static final Set<String> REPLAYABLE_PUBLISHERS = Set.of(
      "jdk.internal.net.http.RequestPublishers$EmptyPublisher",
      "jdk.internal.net.http.RequestPublishers$StringPublisher",
      "jdk.internal.net.http.RequestPublishers$ByteArrayPublisher",
      "jdk.internal.net.http.RequestPublishers$IterablePublisher",
      "jdk.internal.net.http.RequestPublishers$FilePublisher",
      "jdk.internal.net.http.RequestPublishers$InputStreamPublisher");
  private static final BooleanSupplier NEVER = () -> false;

  private final HttpClient client;
  private final ServiceUris uris;
  private final CallPolicy policy;

  private DiscoveryHttpClient(Builder builder) {
    this.client = builder.client;
    this.uris = builder.uris;
    this.policy = CallPolicy.builder(builder.selector).retryOnConnectionFailure(builder.retry).build();
  }

  /** Starts building a wrapper that sends with {@code client} to instances chosen by {@code selector}. */
  public static Builder builder(HttpClient client, ServiceSelector selector) {
    return new Builder(client, selector);
  }

  /** The wrapped client, for requests that need none of this. */
  public HttpClient client() {
    return client;
  }

  /**
   * Sends {@code request}, resolving a service host to an instance first (see the class description).
   *
   * @throws NoInstanceAvailableException if the request names a service that has no instance to call
   * @throws IOException if the call failed (after the one retry, for an idempotent request)
   * @throws InterruptedException if interrupted while waiting for the response
   */
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    String service = uris.serviceOf(request.uri());
    if (service == null) {
      return client.send(request, handler);
    }
    // An interrupted thread has given up on the call: an I/O error seen meanwhile is not worth a retry.
    Thread caller = Thread.currentThread();
    return policy.call(describe(service, request, caller::isInterrupted),
        instance -> client.send(resolve(request, instance), handler));
  }

  /**
   * {@link #send} without blocking: the same resolution, reporting and one retry, completed on the client's
   * executor. A service without instances completes the future with a {@link NoInstanceAvailableException}.
   * Cancelling the returned future rules out the retry and is passed on to the client's future of the exchange
   * under way.
   */
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    String service = uris.serviceOf(request.uri());
    if (service == null) {
      return client.sendAsync(request, handler);
    }
    return policy.callAsync(describe(service, request, NEVER),
        instance -> client.sendAsync(resolve(request, instance), handler));
  }

  private static <T> OutgoingCall<HttpResponse<T>> describe(String service, HttpRequest request,
      BooleanSupplier cancelled) {
    return OutgoingCall.<HttpResponse<T>>to(service, response -> HttpCalls.outcome(response.statusCode()))
        .idempotent(HttpCalls.idempotent(request.method()))
        .oneShotBody(request.bodyPublisher()
            .map(body -> !REPLAYABLE_PUBLISHERS.contains(body.getClass().getName())).orElse(false))
        .cancelledWhen(cancelled)
        .build();
  }

  private HttpRequest resolve(HttpRequest request, ServiceInstance instance) {
    URI target = uris.resolve(request.uri(), instance);
    return HttpRequest.newBuilder(request, (name, value) -> true).uri(target).build();
  }

  @Override
  public String toString() {
    return "DiscoveryHttpClient{" + uris + "}";
  }

  /** Configures a {@link DiscoveryHttpClient}. */
  public static final class Builder {
    private final HttpClient client;
    private final ServiceSelector selector;
    private ServiceUris uris = ServiceUris.defaults();
    private boolean retry = true;

    private Builder(HttpClient client, ServiceSelector selector) {
      this.client = Objects.requireNonNull(client, "client");
      this.selector = Objects.requireNonNull(selector, "selector");
    }

    /**
     * The host suffix that marks a service: {@code ".service"} by default, so {@code web.service} means the
     * service {@code web}. Hosts without it are sent unchanged.
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

    /** Builds the wrapper. */
    public DiscoveryHttpClient build() {
      return new DiscoveryHttpClient(this);
    }
  }
}
