package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Smooth weighted round robin (as in nginx): every pick adds each instance's weight to its running score,
 * takes the highest, and subtracts the total from the winner. Heavy instances are spread out, not bunched.
 */
final class WeightedRoundRobinBalancer implements LoadBalancer {
  private final ConcurrentMap<ServiceQuery, Rotation> rotations = new ConcurrentHashMap<>();

  @Override
  public ServiceInstance choose(ServiceQuery query, List<ServiceInstance> instances) {
    Rotation rotation = rotations.get(query);
    if (rotation == null) {
      rotation = rotations.computeIfAbsent(query, q -> new Rotation());
    }
    return rotation.next(instances);
  }

  /** The running scores of one query's instances; rebuilt only when the cached list is replaced. */
  private static final class Rotation {
    private List<ServiceInstance> instances;
    private long[] scores;

    synchronized ServiceInstance next(List<ServiceInstance> current) {
      if (current != instances) {
        instances = current;
        scores = new long[current.size()];
      }
      long total = 0;
      int best = 0;
      for (int i = 0; i < scores.length; i++) {
        int weight = current.get(i).weight();
        total += weight;
        scores[i] += weight;
        if (scores[i] > scores[best]) {
          best = i;
        }
      }
      scores[best] -= total;
      return current.get(best);
    }
  }
}
