package dev.discovery.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.FakeTicker;
import dev.discovery.ServiceInstance;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The memory of failures is bounded under instance churn, without forgetting what still matters. */
class OutlierStateTest {
  private static final long EJECTION = TimeUnit.SECONDS.toNanos(30);
  private final FakeTicker clock = new FakeTicker();
  private final long start = clock.read();
  private final OutlierState state = new OutlierState(clock);

  /** A Mesos task: every restart gets a new id. */
  private static ServiceInstance task(int n) {
    return ServiceInstance.of("web", "10.1." + (n / 250) + "." + (n % 250), 8080);
  }

  private boolean fail(ServiceInstance instance, long atNanos) {
    return state.record(instance, Outcome.FAILURE, 3, EJECTION, atNanos);
  }

  @Test
  void instancesThatFailedAndWentAreForgottenButCurrentEjectionsAndStreaksAreNot() {
    ServiceInstance ejected = ServiceInstance.of("web", "10.0.0.1", 8080);
    ServiceInstance flaky = ServiceInstance.of("web", "10.0.0.2", 8080);
    for (int n = 0; n < 5_000; n++) { // tasks that failed once, long ago, and were replaced
      fail(task(n), start + n);
    }
    long later = start + 2 * EJECTION;
    fail(ejected, later);
    fail(ejected, later);
    assertThat(fail(ejected, later)).isTrue();
    fail(flaky, later);
    fail(flaky, later);
    for (int n = 5_000; n < 10_000; n++) { // more churn, now: each new record may trigger a sweep
      fail(task(n), later + n);
    }

    assertThat(state.tracked()).as("records kept of 10,002 instances that failed").isLessThan(5_200);
    assertThat(state.isEjected(ejected, later + 10_000)).as("a current ejection survives the sweeps").isTrue();
    assertThat(fail(flaky, later + 10_000)).as("a recent streak survives: the third failure ejects").isTrue();
    for (int n = 10_000; n < 12_000; n++) { // an ejection time after the last failures: all of them are old
      fail(task(n), later + 2 * EJECTION + n);
    }
    assertThat(state.tracked()).as("after the churn settles").isLessThan(2_200);
  }

  @Test
  void anyEjectedTurnsOffExactlyWhenTheLastCoolDownEnds() {
    ServiceInstance a = ServiceInstance.of("web", "10.0.0.1", 8080);
    ServiceInstance b = ServiceInstance.of("web", "10.0.0.2", 8080);
    assertThat(state.anyEjected()).isFalse();
    for (int i = 0; i < 3; i++) {
      fail(a, clock.read());
    }
    clock.advance(java.time.Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      fail(b, clock.read());
    }
    clock.advance(java.time.Duration.ofSeconds(20)); // a's cool-down is over, b's is not
    assertThat(state.isEjected(a, clock.read())).isFalse();
    assertThat(state.isEjected(b, clock.read())).isTrue();
    assertThat(state.anyEjected()).isTrue();
    clock.advance(java.time.Duration.ofSeconds(10)); // exactly at the end of b's
    assertThat(state.isEjected(b, clock.read())).isFalse();
    assertThat(state.anyEjected()).as("the last deadline itself").isTrue();
    clock.advanceNanos(1);
    assertThat(state.anyEjected()).isFalse();
  }
}
