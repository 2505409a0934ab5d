package dev.discovery.internal;

import java.time.Duration;

/**
 * Argument checks written once for every builder of this project, so that the same mistake gets the same message
 * whichever setting it is made in (Caffeine's {@code requireArgument} is the model). Messages name the setting, so
 * the caller knows what to fix. Internal: used by this project's modules, not API; it may change in any release.
 */
public final class Checks {
  private Checks() {}

  /**
   * Returns {@code d} if it is longer than zero.
   *
   * @throws IllegalArgumentException naming {@code setting} when {@code d} is null, zero or negative
   */
  public static Duration requirePositive(Duration d, String setting) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(setting + " must be a positive duration, was " + d);
    }
    return d;
  }

  /**
   * Throws {@link IllegalArgumentException} with {@code message} unless {@code condition} holds.
   *
   * @param message says what was wrong and how to fix it; formatted only on failure
   */
  public static void requireArgument(boolean condition, String message, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(args.length == 0 ? message : String.format(message, args));
    }
  }

  /** Consul's rule for metadata keys: ASCII letters, digits, dashes and underscores, at most 128 of them. */
  private static final java.util.regex.Pattern META_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,128}");

  /** Whether {@code key} is a metadata key Consul accepts (for services and nodes alike). */
  public static boolean isMetaKey(String key) {
    return key != null && META_KEY.matcher(key).matches();
  }
}
