package dev.discovery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.mesos.bridge.InternalBridgeAccess.Counts;
import dev.discovery.mesos.bridge.InternalBridgeAccess.PassResult;
import org.junit.jupiter.api.Test;

/**
 * {@link BridgePassBenchmark} at a small size (240 tasks on 4 agents), without timing anything: its set-up must
 * reach a steady state over both kinds of agents, and each benchmark method must run a pass that writes nothing,
 * so that a broken seam shows in the build rather than only in a JMH run.
 */
class BridgePassBenchmarkTest {
  @Test
  void everyBenchmarkRunsASteadyStatePassThatWritesNothing() throws Exception {
    BridgePassBenchmark b = new BridgePassBenchmark();
    b.tasks = 240;
    b.agents = 4;
    b.setUp();
    try {
      assertThat(b.plan().runningTasks()).isEqualTo(240);

      BridgePassBenchmark.InMemory memory = new BridgePassBenchmark.InMemory();
      memory.setUp(b); // throws if the second pass wrote anything
      try {
        assertThat(b.reconcile(memory)).isEqualTo(new Counts(0, 0, 0, 0));
        PassResult pass = b.fullPass(memory);
        assertThat(pass.success()).isTrue();
        assertThat(pass.counts()).isEqualTo(new Counts(0, 0, 0, 0));
      } finally {
        memory.tearDown(b); // throws if a pass above wrote anything
      }

      BridgePassBenchmark.Testkit http = new BridgePassBenchmark.Testkit();
      http.setUp(b);
      try {
        PassResult pass = b.fullPassOverHttp(http);
        assertThat(pass.success()).isTrue();
        assertThat(pass.counts()).isEqualTo(new Counts(0, 0, 0, 0));
      } finally {
        http.tearDown(b);
      }
    } finally {
      b.tearDown();
    }
  }
}
