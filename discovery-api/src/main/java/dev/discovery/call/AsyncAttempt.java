package dev.discovery.call;

import dev.discovery.ServiceInstance;
import java.util.concurrent.CompletionStage;

/**
 * One non-blocking try of a call on one instance: point the request at {@code instance}, start sending it, and
 * return the stage of its response. The asynchronous twin of {@link Attempt}, for
 * {@link CallPolicy#callAsync}: a stage that fails with an {@link java.io.IOException} (possibly inside a
 * {@link java.util.concurrent.CompletionException}) makes an idempotent call eligible for its one retry.
 *
 * @param <R> the response type
 */
@FunctionalInterface
public interface AsyncAttempt<R> {
  /** Starts the call on {@code instance}; the stage completes with its response or its failure. */
  CompletionStage<R> attempt(ServiceInstance instance);
}
