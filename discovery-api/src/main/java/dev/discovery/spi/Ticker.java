package dev.discovery.spi;

/**
 * The time source of the cache, the selector and outlier ejection: nanoseconds from an arbitrary origin, as
 * {@link System#nanoTime()} gives them, used only for differences. Production code uses {@link #system()};
 * a test passes a ticker it advances by hand, so that staleness, idle expiry and ejection cool-downs can be
 * checked exactly, without sleeping.
 *
 * <p>Implementations must be thread-safe and must never go backwards. Modelled on Caffeine's
 * {@code Ticker}.
 */
@FunctionalInterface
public interface Ticker {
  /** The current time in nanoseconds; only the difference between two readings means anything. */
  long read();

  /** {@link System#nanoTime()}; the default everywhere. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/**
 * The one production ticker. A single implementation class, held in final fields, lets the JIT inline
 * {@code ticker.read()} down to {@code System.nanoTime()}.
 */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
