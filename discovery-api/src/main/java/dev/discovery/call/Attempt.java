package dev.discovery.call;

import dev.discovery.ServiceInstance;
import java.io.IOException;

/**
 * One blocking try of a call on one instance, as an integration makes it: point the request at
 * {@code instance}, send it, return the response. {@link CallPolicy#call} decides which instance, reports the
 * outcome and retries; the attempt does none of that.
 *
 * <p>An {@link IOException} means the instance could not be reached or the exchange broke; it is what makes an
 * idempotent call eligible for its one retry. Any other exception fails the call without a retry. {@code X} is
 * a further checked exception the attempt may throw, such as {@link InterruptedException} for
 * {@code HttpClient.send}; for an attempt that throws only {@code IOException}, Java infers
 * {@link RuntimeException}, and callers need not catch anything more.
 *
 * @param <R> the response type
 * @param <X> a checked exception the attempt throws besides {@code IOException}
 */
@FunctionalInterface
public interface Attempt<R, X extends Exception> {
  /** Makes the call on {@code instance} and returns its response. */
  R attempt(ServiceInstance instance) throws IOException, X;
}
