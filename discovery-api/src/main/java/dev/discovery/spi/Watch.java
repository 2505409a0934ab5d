package dev.discovery.spi;

/** A running watch of one query; closing it stops the backend's loop and releases its connection. */
public interface Watch extends AutoCloseable {
  /** Stops the watch. Idempotent; no listener call starts after it returns. */
  @Override
  void close();
}
