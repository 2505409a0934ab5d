package dev.discovery.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.MapDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.balance.LoadBalancer;
import dev.discovery.balance.NoInstanceAvailableException;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared outgoing-call policy on its own: no HTTP, attempts the test scripts. */
class CallPolicyTest {
  private static final ServiceInstance A = ServiceInstance.of("web", "10.0.0.1", 80);
  private static final ServiceInstance B = ServiceInstance.of("web", "10.0.0.2", 80);

  /** Round robin that records every start and end, so a test can check that each pick was reported once. */
  static final class RecordingBalancer implements LoadBalancer {
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger started = new AtomicInteger();
    final List<String> completed = new CopyOnWriteArrayList<>();

    @Override
    public ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances) {
      return instances.get(Math.floorMod(next.getAndIncrement(), instances.size()));
    }

    @Override
    public void onStart(ServiceInstance instance) {
      started.incrementAndGet();
    }

    @Override
    public void onComplete(ServiceInstance instance, Outcome outcome) {
      completed.add(instance.host() + " " + outcome);
    }
  }

  private final MapDiscovery discovery = new MapDiscovery();
  private final RecordingBalancer balancer = new RecordingBalancer();
  private final ServiceSelector selector = ServiceSelector.builder(discovery).balancer(balancer).build();
  private final CallPolicy policy = CallPolicy.builder(selector).build();
  private final List<String> attempts = new CopyOnWriteArrayList<>();

  @AfterEach
  void everyPickIsReportedExactlyOnce() {
    assertThat(balancer.completed).as("reports").hasSize(balancer.started.get());
  }

  /** A call to web whose response is an HTTP status. */
  private static OutgoingCall.Builder<Integer> web() {
    return OutgoingCall.to("web", HttpCalls::outcome);
  }

  /** An attempt that fails with a connection error on the instances listed, and answers 200 elsewhere. */
  private Attempt<Integer, RuntimeException> refusedOn(ServiceInstance... dead) {
    return instance -> {
      attempts.add(instance.host());
      if (List.of(dead).contains(instance)) {
        throw new ConnectException("refused by " + instance.host());
      }
      return 200;
    };
  }

  @Test
  void choosesAttemptsAndReportsTheResponse() throws Exception {
    discovery.services.put("web", List.of(A, B));
    assertThat(policy.call(web().build(), refusedOn())).isEqualTo(200);
    assertThat(policy.call(web().build(), instance -> 503)).as("a 5xx is returned, not retried").isEqualTo(503);
    assertThat(attempts).containsExactly("10.0.0.1");
    assertThat(balancer.completed).containsExactly("10.0.0.1 SUCCESS", "10.0.0.2 FAILURE");
  }

  @Test
  void anIdempotentCallIsRetriedOnceOnAnotherInstanceAfterAConnectionFailure() throws Exception {
    discovery.services.put("web", List.of(A, B));
    assertThat(policy.call(web().idempotent(true).build(), refusedOn(A))).isEqualTo(200);
    assertThat(attempts).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(balancer.completed).containsExactly("10.0.0.1 FAILURE", "10.0.0.2 SUCCESS");
  }

  @Test
  void aSecondFailureEndsTheCallWithTheFirstSuppressed() {
    discovery.services.put("web", List.of(A, B, ServiceInstance.of("web", "10.0.0.3", 80)));
    assertThatThrownBy(() -> policy.call(web().idempotent(true).build(), refusedOn(A, B)))
        .isInstanceOf(ConnectException.class).hasMessage("refused by 10.0.0.2")
        .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
            .satisfies(first -> assertThat(first).hasMessage("refused by 10.0.0.1")));
    assertThat(attempts).as("one retry, never two").containsExactly("10.0.0.1", "10.0.0.2");
  }

  @Test
  void aCallThatMayNotBeSentTwiceIsNeverRetried() {
    discovery.services.put("web", List.of(A, B));
    List<OutgoingCall<Integer>> calls = List.of(
        web().build(), // not idempotent, such as a POST
        web().idempotent(true).oneShotBody(true).build(),
        web().idempotent(true).cancelledWhen(() -> true).build());
    for (OutgoingCall<Integer> call : calls) {
      attempts.clear();
      balancer.next.set(0);
      assertThatThrownBy(() -> policy.call(call, refusedOn(A))).as("%s", call)
          .isInstanceOf(ConnectException.class).hasNoSuppressedExceptions();
      assertThat(attempts).as("%s", call).containsExactly("10.0.0.1");
    }
  }

  @Test
  void aCallCancelledDuringItsFirstAttemptIsNotRetried() {
    discovery.services.put("web", List.of(A, B));
    AtomicBoolean cancelled = new AtomicBoolean();
    OutgoingCall<Integer> call = web().idempotent(true).cancelledWhen(cancelled::get).build();
    assertThatThrownBy(() -> policy.call(call, instance -> {
      attempts.add(instance.host());
      cancelled.set(true); // as OkHttp's Call.cancel() from another thread would
      throw new IOException("Canceled");
    })).hasMessage("Canceled");
    assertThat(attempts).containsExactly("10.0.0.1");
  }

  @Test
  void retriesCanBeTurnedOff() {
    discovery.services.put("web", List.of(A, B));
    CallPolicy noRetry = CallPolicy.builder(selector).retryOnConnectionFailure(false).build();
    assertThatThrownBy(() -> noRetry.call(web().idempotent(true).build(), refusedOn(A)))
        .isInstanceOf(ConnectException.class);
    assertThat(attempts).containsExactly("10.0.0.1");
  }

  @Test
  void otherExceptionsFailTheCallWithoutARetryAndCountAgainstTheInstance() {
    discovery.services.put("web", List.of(A, B));
    OutgoingCall<Integer> call = web().idempotent(true).build();
    assertThatThrownBy(() -> policy.call(call, instance -> {
      throw new IllegalStateException("bug in the attempt");
    })).isInstanceOf(IllegalStateException.class);
    // A checked exception of the attempt's own is thrown as itself: here what HttpClient.send throws.
    assertThatThrownBy(() -> policy.<Integer, InterruptedException>call(call, instance -> {
      throw new InterruptedException("interrupted");
    })).isInstanceOf(InterruptedException.class);
    assertThat(balancer.completed).containsExactly("10.0.0.1 FAILURE", "10.0.0.2 FAILURE");
  }

  @Test
  void withOnlyTheFailedInstanceOnOfferTheFirstErrorStands() {
    discovery.services.put("web", List.of(A));
    assertThatThrownBy(() -> policy.call(web().idempotent(true).build(), refusedOn(A)))
        .isInstanceOf(ConnectException.class).hasMessage("refused by 10.0.0.1").hasNoSuppressedExceptions();
    assertThat(attempts).containsExactly("10.0.0.1");
    assertThat(balancer.completed).as("the attempt and each re-pick of the same instance")
        .containsOnly("10.0.0.1 FAILURE").hasSize(4);
  }

  @Test
  void aServiceWithoutInstancesFailsNamingItWithoutAnAttempt() {
    assertThatThrownBy(() -> policy.call(OutgoingCall.to("billing", HttpCalls::outcome).build(), refusedOn()))
        .isInstanceOf(NoInstanceAvailableException.class).hasMessageContaining("'billing'");
    assertThat(policy.callAsync(OutgoingCall.to("billing", HttpCalls::outcome).build(),
        instance -> CompletableFuture.completedFuture(200)))
        .failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingCause()
        .isInstanceOf(NoInstanceAvailableException.class);
    assertThat(attempts).isEmpty();
  }

  @Test
  void describingACallChecksItsArguments() {
    assertThatThrownBy(() -> OutgoingCall.to(" ", HttpCalls::outcome)).hasMessageContaining("service");
    assertThatThrownBy(() -> OutgoingCall.to("web", null)).hasMessageContaining("outcome");
  }

  // ---- asynchronous ----

  /** An asynchronous attempt that fails its stage with a connection error on the instances listed. */
  private AsyncAttempt<Integer> refusedAsyncOn(ServiceInstance... dead) {
    Attempt<Integer, RuntimeException> blocking = refusedOn(dead);
    return instance -> {
      try {
        return CompletableFuture.completedFuture(blocking.attempt(instance));
      } catch (IOException e) {
        return CompletableFuture.failedFuture(new CompletionException(e));
      }
    };
  }

  @Test
  void asyncRetriesAnIdempotentCallOnceAndReportsBeforeCompleting() throws Exception {
    discovery.services.put("web", List.of(A, B));
    CompletableFuture<Integer> result = policy.callAsync(web().idempotent(true).build(), refusedAsyncOn(A));
    assertThat(result.get(1, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(attempts).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(balancer.completed).containsExactly("10.0.0.1 FAILURE", "10.0.0.2 SUCCESS");
  }

  @Test
  void asyncFailsWithTheAttemptsOwnErrorAndNeverRetriesACallThatMayNotBeSentTwice() {
    discovery.services.put("web", List.of(A, B));
    assertThat(policy.callAsync(web().build(), refusedAsyncOn(A)))
        .failsWithin(1, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(ConnectException.class).withMessage("refused by 10.0.0.1");
    assertThat(attempts).containsExactly("10.0.0.1");

    attempts.clear();
    assertThat(policy.callAsync(web().idempotent(true).build(), refusedAsyncOn(A, B)))
        .failsWithin(1, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
        .havingCause().withMessage("refused by 10.0.0.1").satisfies(e -> assertThat(e.getSuppressed())
            .singleElement().satisfies(first -> assertThat(first).hasMessage("refused by 10.0.0.2")));
    assertThat(attempts).containsExactly("10.0.0.2", "10.0.0.1");
  }

  @Test
  void cancellingAnAsyncCallCancelsTheAttemptUnderWayAndRulesOutTheRetry() {
    discovery.services.put("web", List.of(A, B));
    CompletableFuture<Integer> underWay = new CompletableFuture<>();
    CompletableFuture<Integer> result = policy.callAsync(web().idempotent(true).build(), instance -> {
      attempts.add(instance.host());
      return underWay;
    });
    result.cancel(true);
    assertThat(underWay).as("the attempt's own future").isCancelled();
    assertThat(result).isCancelled();
    assertThat(attempts).containsExactly("10.0.0.1");
    assertThat(balancer.completed).containsExactly("10.0.0.1 FAILURE");
    assertThatThrownBy(result::join).isInstanceOf(CancellationException.class);
  }

  @Test
  void anAsyncAttemptThatThrowsInsteadOfReturningAStageFailsTheCall() {
    discovery.services.put("web", List.of(A, B));
    assertThat(policy.callAsync(web().idempotent(true).build(), instance -> {
      throw new IllegalStateException("bug in the attempt");
    })).failsWithin(1, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(IllegalStateException.class);
    assertThat(balancer.completed).containsExactly("10.0.0.1 FAILURE");
  }
}
