package dev.discovery.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * Which datacenter a query with {@linkplain dev.discovery.ServiceQuery#withFailover fallback datacenters} is served
 * from, and which fallbacks must be asked for that. Pure: no I/O, no clock; the failover watch and fetch apply it.
 *
 * <p>The rule, as Consul's prepared-query failover with a minimum added ({@code queryFailover} in Consul's
 * {@code agent/consul/prepared_query_endpoint.go} stops at the first datacenter with any node):
 * <ol>
 *   <li>The query's own datacenter while it has at least {@code minHealthy} instances; no fallback is needed.</li>
 *   <li>Else the fallbacks in order: one that cannot be asked now is skipped; one not yet answered must be asked
 *       before anything later is considered ({@link Decision#WAIT}); the first with at least {@code minHealthy}
 *       instances is served.</li>
 *   <li>When none has enough: the one with the most instances, the query's own datacenter winning a tie, then the
 *       earlier fallback. Serving some instances beats serving none, and staying local beats moving for nothing.</li>
 * </ol>
 * Every fallback up to the one served (or all, in case 3) stays needed, so that an earlier one recovering is seen;
 * later ones are not. A fallback that is not needed is not watched: fail-back closes them all.
 */
final class FailoverChoice {
  /** The query's own datacenter is served. */
  static final int PRIMARY = -1;
  /** A fallback's first answer is needed before deciding; keep serving what was served. */
  static final int WAIT = -2;

  private FailoverChoice() {}

  /** What is known of one fallback datacenter. */
  enum Status {
    /** Not asked yet, or its answer is pending. */
    UNKNOWN,
    /** Answered; {@link Candidate#healthy} counts its instances. */
    ANSWERED,
    /** Cannot be asked now (it failed recently, or the registry has no path to it): skipped. */
    UNAVAILABLE
  }

  /** One fallback datacenter as the choice sees it. */
  record Candidate(Status status, int healthy) {
    static final Candidate UNKNOWN = new Candidate(Status.UNKNOWN, 0);
    static final Candidate UNAVAILABLE = new Candidate(Status.UNAVAILABLE, 0);

    static Candidate answered(int healthy) {
      return new Candidate(Status.ANSWERED, healthy);
    }
  }

  /**
   * The choice.
   *
   * @param served {@link #PRIMARY}, {@link #WAIT}, or the index of the fallback served
   * @param needed the indexes of the fallbacks to keep asking (watched, or fetched), in order; when {@code served}
   *     is {@link #WAIT} the last one is the fallback whose answer is awaited
   */
  record Decision(int served, List<Integer> needed) {}

  static Decision decide(int minHealthy, int primaryHealthy, List<Candidate> fallbacks) {
    if (primaryHealthy >= minHealthy) {
      return new Decision(PRIMARY, List.of());
    }
    List<Integer> needed = new ArrayList<>();
    int best = PRIMARY;
    int bestHealthy = primaryHealthy;
    for (int i = 0; i < fallbacks.size(); i++) {
      Candidate c = fallbacks.get(i);
      switch (c.status()) {
        case UNAVAILABLE:
          continue;
        case UNKNOWN:
          needed.add(i);
          return new Decision(WAIT, List.copyOf(needed));
        default:
          needed.add(i);
          if (c.healthy() >= minHealthy) {
            return new Decision(i, List.copyOf(needed));
          }
          if (c.healthy() > bestHealthy) {
            best = i;
            bestHealthy = c.healthy();
          }
      }
    }
    return new Decision(best, List.copyOf(needed));
  }
}
