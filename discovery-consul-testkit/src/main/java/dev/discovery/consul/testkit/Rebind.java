package dev.discovery.consul.testkit;

import java.io.IOException;
import java.net.BindException;

/**
 * Binds a server socket, retrying a bounded number of times while the port is in use: a fixed port released a
 * moment ago by a restart can be briefly unavailable (another socket may hold it for an instant), and a restart
 * should survive that rather than fail the test that asked for it.
 */
final class Rebind {
  /** Attempts in all; with a fixed port, {@link #PAUSE_MILLIS} apart, so about a second before giving up. */
  static final int ATTEMPTS = 20;
  static final long PAUSE_MILLIS = 50;

  /** One bind attempt; it closes whatever it opened before throwing. */
  interface Attempt<T> {
    T bind() throws IOException;
  }

  private Rebind() {}

  /**
   * Calls {@code attempt} until it does not throw a {@link BindException}, at most {@link #ATTEMPTS} times, and
   * pauses between attempts only for a fixed {@code port} (with port 0 a new attempt picks a new port at once).
   *
   * @throws BindException the last one, when every attempt found the port in use (or the thread was interrupted)
   */
  static <T> T retrying(int port, Attempt<T> attempt) throws IOException {
    BindException last = null;
    for (int i = 0; i < ATTEMPTS; i++) {
      if (i > 0 && port != 0) {
        try {
          Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      try {
        return attempt.bind();
      } catch (BindException e) {
        last = e;
      }
    }
    throw last;
  }
}
