package dev.discovery.consul.testkit;

import java.time.Duration;

/** Go's {@code time.ParseDuration} and {@code Duration.String()}, because Consul speaks Go durations on the wire. */
final class GoDuration {
  private GoDuration() {}

  /**
   * Parses "300ms", "-1.5h", "2h45m", "10s"; a bare "0" is zero. Throws IllegalArgumentException with Go's
   * message ({@code time: invalid duration "x"}) otherwise.
   */
  static Duration parse(String s) {
    String orig = s;
    if (s == null || s.isEmpty()) {
      throw invalid(orig);
    }
    boolean neg = false;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    double totalNanos = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        throw invalid(orig);
      }
      String number = s.substring(start, i);
      if (number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
        throw invalid(orig);
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw new IllegalArgumentException("time: missing unit in duration \"" + orig + "\"");
      }
      double perUnit;
      switch (unit) {
        case "ns": perUnit = 1; break;
        case "us": case "\u00b5s": case "\u03bcs": perUnit = 1e3; break;
        case "ms": perUnit = 1e6; break;
        case "s": perUnit = 1e9; break;
        case "m": perUnit = 60e9; break;
        case "h": perUnit = 3600e9; break;
        default: throw new IllegalArgumentException("time: unknown unit \"" + unit + "\" in duration \"" + orig + "\"");
      }
      totalNanos += Double.parseDouble(number) * perUnit;
      if (totalNanos > Long.MAX_VALUE) {
        throw new IllegalArgumentException("time: invalid duration \"" + orig + "\"");
      }
    }
    long nanos = Math.round(totalNanos);
    return Duration.ofNanos(neg ? -nanos : nanos);
  }

  private static IllegalArgumentException invalid(String s) {
    return new IllegalArgumentException("time: invalid duration \"" + s + "\"");
  }

  /** Formats like Go's {@code Duration.String()}: "0s", "1.5s", "1m30s", "1h0m0s", "250ms". */
  static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (nanos < 0) {
      sb.append('-');
      nanos = -nanos;
    }
    if (nanos < 1_000_000_000L) {
      if (nanos < 1_000L) {
        return sb.append(nanos).append("ns").toString();
      } else if (nanos < 1_000_000L) {
        return sb.append(fraction(nanos, 1_000L)).append("\u00b5s").toString();
      }
      return sb.append(fraction(nanos, 1_000_000L)).append("ms").toString();
    }
    long hours = nanos / 3_600_000_000_000L;
    long rest = nanos % 3_600_000_000_000L;
    long minutes = rest / 60_000_000_000L;
    long secNanos = rest % 60_000_000_000L;
    if (hours > 0) {
      sb.append(hours).append('h').append(minutes).append('m');
    } else if (minutes > 0) {
      sb.append(minutes).append('m');
    }
    return sb.append(fraction(secNanos, 1_000_000_000L)).append('s').toString();
  }

  private static String fraction(long value, long unit) {
    long whole = value / unit;
    long frac = value % unit;
    if (frac == 0) {
      return Long.toString(whole);
    }
    String digits = Long.toString(unit + frac).substring(1);
    int end = digits.length();
    while (end > 0 && digits.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + digits.substring(0, end);
  }
}
