package dev.discovery.spi;

/** Receives what a {@link Watch} learns. Calls for one watch never overlap. */
public interface WatchListener {
  /** A successful round trip to the registry, changed or not. */
  void onAnswer(Answer answer);

  /** A failed round trip; the backend keeps retrying with back-off until the watch is closed. */
  void onError(Throwable error);

  /**
   * The watch will retry only after {@code delay} because of failures. An answer ends the back-off without a
   * call here: {@link #onAnswer} implies it. For metrics; the default ignores it.
   */
  default void onBackoff(java.time.Duration delay) {}

  /**
   * Whether the watched query has a subscriber now. A backend that cannot keep every watch equally fresh (a Consul
   * agent limits the connections per client) serves these first. The default says no.
   */
  default boolean hasSubscribers() {
    return false;
  }

  /** Whether a caller looked the query up lately (within about a minute); next in line after subscribed ones. */
  default boolean recentlyUsed() {
    return false;
  }
}
