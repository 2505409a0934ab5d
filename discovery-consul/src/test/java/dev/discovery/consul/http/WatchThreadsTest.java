package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What parked watches cost in threads: on Java 24 and later none (virtual threads), before that one pooled
 * platform thread per blocking query the agent is holding, and none once the discovery is closed.
 */
class WatchThreadsTest {
  private static final int WATCHES = 40;

  /** Platform threads of the backend's calls: idle ones, and busy ones (OkHttp names them after the call). */
  private static long callThreads(ConsulTestAgent agent) {
    String busy = "OkHttp http://127.0.0.1:" + agent.httpPort() + "/";
    // Platform threads only: virtual threads are not listed here, which is the point on Java 24+.
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(name -> name.startsWith(busy)
            || name.startsWith("consul-http-") && !name.equals("consul-http-watch"))
        .count();
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void parkedBlockingQueriesHoldNoPlatformThreadOnModernJavaAndAtMostOneEachBefore() throws Exception {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      for (int i = 0; i < WATCHES; i++) {
        agent.registerService("{\"Name\":\"svc-" + i + "\",\"ID\":\"svc-" + i + "\",\"Address\":\"10.0.0.1\","
            + "\"Port\":8080}");
      }
      long before = callThreads(agent);
      CachingDiscovery discovery = new ConsulHttpBuilder().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).waitTime(Duration.ofMinutes(5)).build();
      try {
        for (int i = 0; i < WATCHES; i++) {
          assertThat(discovery.instances(ServiceQuery.of("svc-" + i))).hasSize(1);
        }
        // After its first answer each watch sends a blocking query, which the agent holds: nothing changes.
        for (int i = 0; i < WATCHES; i++) {
          String path = "/v1/health/service/svc-" + i;
          await("the blocking query of svc-" + i, () -> agent.requestCount(path) >= 2);
        }
        long parked = callThreads(agent) - before;
        if (CallThreads.virtual()) {
          assertThat(parked).as("platform threads held by %s parked watches", WATCHES).isZero();
        } else {
          assertThat(parked).as("platform threads held by %s parked watches", WATCHES).isBetween(1L, (long) WATCHES);
        }
      } finally {
        discovery.close();
      }
      await("the call threads to end after close", () -> callThreads(agent) <= before);
    }
  }
}
