package dev.discovery;

/** A registration for change notifications; close it to stop receiving them. */
public interface Subscription extends AutoCloseable {
  /** Stops notifications. Idempotent. */
  @Override
  void close();
}
