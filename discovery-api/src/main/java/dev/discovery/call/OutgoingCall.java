package dev.discovery.call;

import dev.discovery.balance.Outcome;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * What {@link CallPolicy} needs to know about one call: the service it goes to, how a response reflects on the
 * instance, and the facts that decide whether it may be sent twice (idempotent, no one-shot body, not
 * cancelled). The integration states the facts; the policy applies the rule. Immutable.
 *
 * <pre>{@code
 * OutgoingCall<Response> call = OutgoingCall.<Response>to("web", r -> HttpCalls.outcome(r.code()))
 *     .idempotent(HttpCalls.idempotent(request.method()))
 *     .oneShotBody(body != null && body.isOneShot())
 *     .cancelledWhen(okHttpCall::isCanceled)
 *     .build();
 * }</pre>
 *
 * @param <R> the response type
 */
public final class OutgoingCall<R> {
  private static final BooleanSupplier NEVER = () -> false;
  private final String service;
  private final Function<? super R, Outcome> outcome;
  private final boolean idempotent;
  private final boolean oneShotBody;
  private final BooleanSupplier cancelled;

  private OutgoingCall(Builder<R> builder) {
    this.service = builder.service;
    this.outcome = builder.outcome;
    this.idempotent = builder.idempotent;
    this.oneShotBody = builder.oneShotBody;
    this.cancelled = builder.cancelled;
  }

  /**
   * Starts describing a call to {@code service} whose responses are judged by {@code outcome} (for HTTP,
   * {@link HttpCalls#outcome(int)} of the status). By default the call is not idempotent, so never retried.
   */
  public static <R> Builder<R> to(String service, Function<? super R, Outcome> outcome) {
    return new Builder<>(service, outcome);
  }

  /** The service the call goes to. */
  public String service() {
    return service;
  }

  /** How {@code response}, returned by an attempt, reflects on the instance that answered. */
  public Outcome outcomeOf(R response) {
    return outcome.apply(response);
  }

  /** Whether the call may be sent a second time: idempotent, without a one-shot body, and not cancelled. */
  boolean repeatable() {
    return idempotent && !oneShotBody && !cancelled.getAsBoolean();
  }

  @Override
  public String toString() {
    return "OutgoingCall{" + service + (idempotent ? ", idempotent" : "") + (oneShotBody ? ", one-shot body" : "")
        + "}";
  }

  /** Describes an {@link OutgoingCall}. */
  public static final class Builder<R> {
    private final String service;
    private final Function<? super R, Outcome> outcome;
    private boolean idempotent;
    private boolean oneShotBody;
    private BooleanSupplier cancelled = NEVER;

    private Builder(String service, Function<? super R, Outcome> outcome) {
      if (service == null || service.isBlank()) {
        throw new IllegalArgumentException("the service of an outgoing call must not be blank, was " + service);
      }
      this.service = service;
      this.outcome = Objects.requireNonNull(outcome, "outcome");
    }

    /**
     * Whether sending the call twice has the effect of sending it once (for HTTP, {@link HttpCalls#idempotent});
     * only such calls are retried. Default false.
     */
    public Builder<R> idempotent(boolean idempotent) {
      this.idempotent = idempotent;
      return this;
    }

    /**
     * Whether the call carries a body that can be read only once (a stream): the first attempt consumed it, so
     * there is nothing to send again. Default false.
     */
    public Builder<R> oneShotBody(boolean oneShotBody) {
      this.oneShotBody = oneShotBody;
      return this;
    }

    /**
     * Asked after a failed attempt: true when the caller has given up on the call (cancelled it, or interrupted
     * its thread), which is then not retried. Default never.
     */
    public Builder<R> cancelledWhen(BooleanSupplier cancelled) {
      this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
      return this;
    }

    /** The description. */
    public OutgoingCall<R> build() {
      return new OutgoingCall<>(this);
    }
  }
}
