package dev.discovery.call;

import dev.discovery.DiscoveryException;
import dev.discovery.ServiceInstance;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a call to a service goes out, the same for every client integration (OkHttp, the JDK
 * {@code HttpClient}, and later gRPC and Spring):
 *
 * <ol>
 *   <li>an instance is chosen by the {@link ServiceSelector}; when there is none the call fails with a
 *       {@link NoInstanceAvailableException} naming the service;</li>
 *   <li>the integration's {@link Attempt} makes the call on it;</li>
 *   <li>the outcome is reported to the selector, exactly once per chosen instance whatever happens (a
 *       response is judged by {@link OutgoingCall#outcomeOf}, any exception is a failure), so that ejection
 *       and balancers counting calls in flight stay right;</li>
 *   <li>after an {@link IOException}, a call that may be sent twice (idempotent, no one-shot body, not
 *       cancelled; see {@link OutgoingCall}) is retried once on another instance. Nothing else is retried: not
 *       a response, whatever its status, and not an exception of another kind.</li>
 * </ol>
 *
 * <pre>{@code
 * CallPolicy policy = CallPolicy.builder(selector).build();
 * HttpResponse<String> r = policy.call(
 *     OutgoingCall.<HttpResponse<String>>to("web", x -> HttpCalls.outcome(x.statusCode())).idempotent(true).build(),
 *     instance -> client.send(requestFor(instance), BodyHandlers.ofString()));
 * }</pre>
 *
 * <p>Immutable and thread-safe. A retry is logged at DEBUG.
 */
public final class CallPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(CallPolicy.class);
  /** Picks asked of the selector to find an instance other than the one that just failed. */
  private static final int REPICKS = 3;

  private final ServiceSelector selector;
  private final boolean retry;

  private CallPolicy(Builder builder) {
    this.selector = builder.selector;
    this.retry = builder.retry;
  }

  /** Starts building a policy that chooses instances with {@code selector} and reports to it. */
  public static Builder builder(ServiceSelector selector) {
    return new Builder(selector);
  }

  /**
   * Makes {@code call} through {@code attempt}, blocking: chooses, attempts, reports, and retries once where
   * allowed (see the class description).
   *
   * @throws NoInstanceAvailableException if the service has no instance to call
   * @throws IOException the attempt's failure; after a retry, the second one with the first suppressed
   * @throws X whatever else the attempt throws, without a retry
   */
  public <R, X extends Exception> R call(OutgoingCall<R> call, Attempt<R, X> attempt) throws IOException, X {
    ServiceInstance first = choose(call.service());
    try {
      return attempt(call, attempt, first);
    } catch (IOException e) {
      ServiceInstance second = retryTarget(call, first, e);
      if (second == null) {
        throw e;
      }
      try {
        return attempt(call, attempt, second);
      } catch (IOException again) {
        suppress(again, e);
        throw again;
      }
    }
  }

  /**
   * {@link #call} without blocking: the same choice, reporting and one retry. The future fails with a
   * {@link NoInstanceAvailableException} when the service has no instance, or with the attempt's failure
   * itself. Cancelling the future is passed on to the attempt under way and rules out the retry.
   */
  public <R> CompletableFuture<R> callAsync(OutgoingCall<R> call, AsyncAttempt<R> attempt) {
    ServiceInstance first;
    try {
      first = choose(call.service());
    } catch (NoInstanceAvailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<R> result = new CompletableFuture<>();
    attemptAsync(call, attempt, first, result).whenComplete((response, error) -> {
      if (error == null) {
        result.complete(response);
        return;
      }
      Throwable cause = unwrap(error);
      ServiceInstance second = cause instanceof IOException && !result.isDone()
          ? retryTarget(call, first, (IOException) cause) : null;
      if (second == null) {
        result.completeExceptionally(cause);
        return;
      }
      attemptAsync(call, attempt, second, result).whenComplete((again, error2) -> {
        if (error2 == null) {
          result.complete(again);
        } else {
          Throwable cause2 = unwrap(error2);
          suppress(cause2, cause);
          result.completeExceptionally(cause2);
        }
      });
    });
    return result;
  }

  /** Attempts on {@code instance} and reports the outcome: every choice is reported exactly once. */
  private <R, X extends Exception> R attempt(OutgoingCall<R> call, Attempt<R, X> attempt, ServiceInstance instance)
      throws IOException, X {
    Outcome outcome = Outcome.FAILURE;
    try {
      R response = attempt.attempt(instance);
      outcome = call.outcomeOf(response);
      return response;
    } finally {
      selector.report(instance, outcome);
    }
  }

  /**
   * The asynchronous {@link #attempt}: completes after the outcome is reported. An attempt that throws instead
   * of failing its stage fails the same way. Cancelling {@code result} cancels the attempt's stage.
   */
  private <R> CompletableFuture<R> attemptAsync(OutgoingCall<R> call, AsyncAttempt<R> attempt,
      ServiceInstance instance, CompletableFuture<R> result) {
    CompletionStage<R> stage;
    try {
      stage = Objects.requireNonNull(attempt.attempt(instance), "the stage an attempt returns");
    } catch (RuntimeException e) {
      selector.report(instance, Outcome.FAILURE);
      return CompletableFuture.failedFuture(e);
    }
    if (stage instanceof Future) {
      Future<?> underWay = (Future<?>) stage;
      result.whenComplete((r, e) -> {
        if (result.isCancelled()) {
          underWay.cancel(true);
        }
      });
    }
    CompletableFuture<R> reported = new CompletableFuture<>();
    stage.whenComplete((response, error) -> {
      Throwable failure = error;
      Outcome outcome = Outcome.FAILURE;
      if (error == null) {
        try {
          outcome = call.outcomeOf(response);
        } catch (RuntimeException e) {
          failure = e; // a judge that throws fails the call rather than leave it hanging
        }
      }
      selector.report(instance, outcome);
      if (failure == null) {
        reported.complete(response);
      } else {
        reported.completeExceptionally(failure);
      }
    });
    return reported;
  }

  /**
   * The instance to retry {@code call} on after {@code failure} on {@code failed}, or {@code null} when the call
   * must not be retried or no other instance is on offer.
   */
  private ServiceInstance retryTarget(OutgoingCall<?> call, ServiceInstance failed, IOException failure) {
    if (!retry || !call.repeatable()) {
      return null;
    }
    ServiceInstance other = chooseOtherThan(call.service(), failed);
    if (other != null && LOG.isDebugEnabled()) {
      LOG.debug("call to {} failed on {} ({}), retrying on {}", call.service(), failed.address(),
          failure.getClass().getSimpleName(), other.address());
    }
    return other;
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

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static void suppress(Throwable last, Throwable first) {
    if (last != first) {
      last.addSuppressed(first);
    }
  }

  @Override
  public String toString() {
    return "CallPolicy{retryOnConnectionFailure=" + retry + "}";
  }

  /** Configures a {@link CallPolicy}. */
  public static final class Builder {
    private final ServiceSelector selector;
    private boolean retry = true;

    private Builder(ServiceSelector selector) {
      this.selector = Objects.requireNonNull(selector, "selector");
    }

    /**
     * Whether a call that may be sent twice is retried once on another instance after an I/O failure; on by
     * default.
     */
    public Builder retryOnConnectionFailure(boolean retry) {
      this.retry = retry;
      return this;
    }

    /** Builds the policy. */
    public CallPolicy build() {
      return new CallPolicy(this);
    }
  }
}
