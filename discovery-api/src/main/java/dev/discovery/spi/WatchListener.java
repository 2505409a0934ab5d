package dev.discovery.spi;

/** Receives what a {@link Watch} learns. Calls for one watch never overlap. */
public interface WatchListener {
  /** A successful round trip to the registry, changed or not. */
  void onAnswer(Answer answer);

  /** A failed round trip; the backend keeps retrying with back-off until the watch is closed. */
  void onError(Throwable error);
}
