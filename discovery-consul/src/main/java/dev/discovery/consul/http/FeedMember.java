package dev.discovery.consul.http;

/**
 * A change feed as a {@link WatchBudget} sees it: a few parked blocking queries that tell which services of one
 * agent and datacenter changed, so that the queries outside the budget's slots need not be read in turn. The
 * budget starts it when enough of its queries are outside the slots, and stops it when they are not (or when it
 * failed). It reports through {@link WatchBudget#feedReady}, {@link WatchBudget#feedChanged} and
 * {@link WatchBudget#feedLost}. The budget calls these without holding its lock; each must return quickly.
 */
interface FeedMember {
  /** The parked connections it holds while running. */
  int connections();

  /** Begin watching, from a fresh baseline. */
  void start();

  /** Stop watching and release its connections; idempotent, and no report follows it. */
  void stop();
}
