package dev.discovery.consul.http;

/**
 * A watched query as a {@link WatchBudget} sees it. The budget calls these without holding its lock; each must
 * return quickly (they only enqueue or cancel asynchronous calls).
 */
interface BudgetMember {
  /** Someone subscribed to the query's changes: it deserves a parked slot first. */
  boolean subscribed();

  /** A caller read the query lately: next in line after the subscribed ones. */
  boolean recentlyUsed();

  /** The member now has a parked slot: it keeps a blocking query at the agent from now on. */
  void park();

  /** The member lost its slot: it cancels its parked query; the budget has queued it for rotation. */
  void unpark();

  /** Its turn in the rotation: one short read, then {@link WatchBudget#done} when it has finished. */
  void poll();

  /** The change feed that can say when this query's service changes, or null: it is read in turn. */
  default FeedMember feed() {
    return null;
  }

  /** The service the query reads, as a feed names it. */
  default String service() {
    return "";
  }
}
