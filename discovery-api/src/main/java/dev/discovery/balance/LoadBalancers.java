package dev.discovery.balance;

/** The built-in load-balancing strategies. Each call returns a new balancer with its own state. */
public final class LoadBalancers {
  private LoadBalancers() {}

  /** Each query's instances in turn, fairly across threads, rotating on when the list changes. The default. */
  public static LoadBalancer roundRobin() {
    return new RoundRobinBalancer();
  }

  /** A uniformly random instance per call. */
  public static LoadBalancer random() {
    return new RandomBalancer();
  }

  /**
   * Smooth weighted round robin over {@link dev.discovery.ServiceInstance#weight()} (Consul's Weights): an
   * instance of weight 5 gets five calls in seven next to two of weight 1, interleaved, not in a burst.
   */
  public static LoadBalancer weightedRoundRobin() {
    return new WeightedRoundRobinBalancer();
  }

  /**
   * The power of two choices: of two random instances, the one with fewer calls in flight. Needs the calls'
   * start and end, which {@link ServiceSelector} reports.
   */
  public static LoadBalancer leastInFlight() {
    return new LeastInFlightBalancer();
  }
}
