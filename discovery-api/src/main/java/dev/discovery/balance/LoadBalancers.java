package dev.discovery.balance;

/** The built-in load-balancing strategies. Each call returns a new balancer with its own state. */
public final class LoadBalancers {
  private LoadBalancers() {}

  /**
   * Each query's instances in turn, rotating on when the list changes. The default. Threads fall into a few
   * stripes with a position each, so cores do not contend for one counter: a thread alone on its stripe visits
   * every instance once in any {@code n} consecutive picks, and over all threads no instance gets more than one
   * pick per stripe more than another.
   */
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

  /**
   * The first instance in answer order that is not ejected: for queries sorted {@link
   * dev.discovery.ServiceQuery#near near} a node, every call goes to the nearest instance while it is fine, and
   * to the next nearest while it is ejected. No spreading: use it where latency matters more than load (the
   * nearest instance must be able to take all the calls). Without {@code near} the order is the registry's (for
   * Consul over HTTP, a stable order; over DNS, shuffled), so it means "always the same instance". In panic mode
   * (too many ejected) the selector passes every instance again, and this picks the nearest of all.
   */
  public static LoadBalancer nearestFirst() {
    return new NearestFirstBalancer();
  }
}
