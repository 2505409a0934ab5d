package dev.discovery.benchmarks;

import dev.discovery.consul.testkit.ConsulTestAgent;

/** Starts the shared Consul stand-in (the testkit's agent) with the services a benchmark needs. */
final class Agents {
  /**
   * JVM flag for every benchmark fork that talks to the agent: the JDK's HTTP server leaves Nagle's algorithm
   * on by default, so a response's body waits for the client's delayed ACK (~40 ms on Linux); Consul (Go's
   * net/http) sets TCP_NODELAY, so the stand-in should too.
   */
  static final String NO_DELAY = "-Dsun.net.httpserver.nodelay=true";

  private Agents() {}

  /** A loopback agent with {@code count} passing instances of {@code service}, each on its own node. */
  static ConsulTestAgent withService(String service, int count, int basePort) {
    ConsulTestAgent agent = ConsulTestAgent.builder().start();
    try {
      register(agent, service, count, basePort);
    } catch (RuntimeException e) {
      agent.close();
      throw e;
    }
    return agent;
  }

  /**
   * Registers instances {@code service-0..count-1} on nodes {@code node-<service>-i}, addresses 10.x.y.z,
   * ports {@code basePort + i}; they have no check of their own, so they are passing (serfHealth only).
   */
  static void register(ConsulTestAgent agent, String service, int count, int basePort) {
    for (int i = 0; i < count; i++) {
      String address = "10." + (i / 62500 + 1) + "." + (i / 250 % 250) + "." + (i % 250 + 1);
      agent.registerNodeService("node-" + service + "-" + i, address,
          "{\"ID\":\"" + id(service, i) + "\",\"Name\":\"" + service + "\",\"Address\":\"" + address
              + "\",\"Port\":" + (basePort + i) + ",\"Tags\":[\"primary\"],\"Meta\":{\"version\":\"1\"}}");
    }
  }

  /** The service ID of instance {@code i}. */
  static String id(String service, int i) {
    return service + "-" + i;
  }
}
