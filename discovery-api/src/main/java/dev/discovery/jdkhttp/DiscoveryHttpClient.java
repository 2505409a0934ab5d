package dev.discovery.jdkhttp;

import dev.discovery.DiscoveryException;
import dev.discovery.ServiceInstance;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.balance.ServiceUris;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Sends {@link java.net.http.HttpClient} requests for {@code http://<service>.service/...} to an instance
 * chosen by a {@link ServiceSelector}, and tells the selector how each call went so that failing instances are
 * ejected. Requests to any other host are sent unchanged. For applications that use the JDK's client only.
 *
 * <p>An idempotent request (GET, HEAD, PUT, DELETE, OPTIONS) that fails with an {@link IOException} is retried
 * once on another instance, re-sending its body publisher; other requests are never retried. A 5xx response or
 * an {@code IOException} counts as a failure of the instance, anything else (4xx included) as a success. When
 * discovery has no instance, {@link #send} throws a {@link NoInstanceAvailableException} naming the service.
 *
 * <pre>{@code
 * DiscoveryHttpClient client = DiscoveryHttpClient.builder(HttpClient.newHttpClient(), selector).build();
 * HttpResponse<String> r = client.send(
 *     HttpRequest.newBuilder(URI.create("http://web.service/health")).build(), BodyHandlers.ofString());
 * }</pre>
 */
public final class DiscoveryHttpClient {
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");
  /** Picks asked of the selector to find an instance other than the one that just failed. */
  private static final int REPICKS = 3;

  private final HttpClient client;
  private final ServiceSelector selector;
  private final ServiceUris uris;
  private final boolean retry;

  private DiscoveryHttpClient(Builder builder) {
    this.client = builder.client;
    this.selector = builder.selector;
    this.uris = builder.uris;
    this.retry = builder.retry;
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
    ServiceInstance first = choose(service);
    try {
      return send(request, handler, first);
    } catch (IOException e) {
      if (!retryable(request)) {
        throw e;
      }
      ServiceInstance second = chooseOtherThan(service, first);
      if (second == null) {
        throw e;
      }
      try {
        return send(request, handler, second);
      } catch (IOException again) {
        again.addSuppressed(e);
        throw again;
      }
    }
  }

  /**
   * {@link #send} without blocking: the same resolution, reporting and one retry, completed on the client's
   * executor. A service without instances completes the future with a {@link NoInstanceAvailableException}.
   * Cancelling the returned future does not abort an exchange already under way.
   */
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    String service = uris.serviceOf(request.uri());
    if (service == null) {
      return client.sendAsync(request, handler);
    }
    ServiceInstance first;
    try {
      first = choose(service);
    } catch (NoInstanceAvailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    return sendAsync(request, handler, first).handle((response, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(response);
      }
      Throwable cause = unwrap(error);
      if (!(cause instanceof IOException) || !retryable(request)) {
        return CompletableFuture.<HttpResponse<T>>failedFuture(cause);
      }
      ServiceInstance second = chooseOtherThan(service, first);
      if (second == null) {
        return CompletableFuture.<HttpResponse<T>>failedFuture(cause);
      }
      return sendAsync(request, handler, second).handle((again, error2) -> {
        if (error2 == null) {
          return again;
        }
        Throwable cause2 = unwrap(error2);
        cause2.addSuppressed(cause);
        throw new CompletionException(cause2);
      });
    }).thenCompose(f -> f);
  }

  private <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      HttpResponse.BodyHandler<T> handler, ServiceInstance instance) {
    CompletableFuture<HttpResponse<T>> future;
    try {
      future = client.sendAsync(resolve(request, instance), handler);
    } catch (RuntimeException e) {
      selector.report(instance, Outcome.FAILURE);
      return CompletableFuture.failedFuture(e);
    }
    return future.whenComplete((response, error) -> selector.report(instance,
        error != null || response.statusCode() >= 500 ? Outcome.FAILURE : Outcome.SUCCESS));
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private boolean retryable(HttpRequest request) {
    return retry && IDEMPOTENT.contains(request.method());
  }

  private HttpRequest resolve(HttpRequest request, ServiceInstance instance) {
    URI target = uris.resolve(request.uri(), instance);
    return HttpRequest.newBuilder(request, (name, value) -> true).uri(target).build();
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler,
      ServiceInstance instance) throws IOException, InterruptedException {
    HttpRequest resolved = resolve(request, instance);
    HttpResponse<T> response;
    try {
      response = client.send(resolved, handler);
    } catch (IOException | InterruptedException | RuntimeException e) {
      // Every pick is reported, or balancers counting calls in flight would drift.
      selector.report(instance, Outcome.FAILURE);
      throw e;
    }
    selector.report(instance, response.statusCode() >= 500 ? Outcome.FAILURE : Outcome.SUCCESS);
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
   * of the failed instance is reported as a failure: it was not called again, but it failed moments ago, and
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
