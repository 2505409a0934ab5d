package dev.discovery.mesos.bridge;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Go's duration syntax ({@code 15s}, {@code 1m30s}, {@code 500ms}), which mesos-consul's flags use. */
final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|\u00b5s|ms|s|m|h)");

  private GoDuration() {}

  /**
   * Parses a non-negative duration; a bare {@code 0} is zero.
   *
   * @throws IllegalArgumentException showing the expected form
   */
  static Duration parse(String text) {
    String s = text == null ? "" : text.trim();
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration; use Go syntax such as 15s, 1m or 1m30s");
    }
    Matcher m = PART.matcher(s);
    int at = 0;
    BigDecimal nanos = BigDecimal.ZERO;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("\"" + text + "\" is not a duration; use Go syntax such as 15s, 1m or 1m30s");
      }
      BigDecimal n = new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1));
      long unit = switch (m.group(2)) {
        case "ns" -> 1L;
        case "us", "\u00b5s" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
      at = m.end();
    }
    return Duration.ofNanos(nanos.longValueExact());
  }
}
