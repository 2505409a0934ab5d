package dev.discovery.mesos.plan;

import java.util.Locale;
import java.util.regex.Pattern;

/** Turns Mesos task names into Consul service names that are valid DNS labels. */
public final class Names {
  /** RFC 1123 label length limit; Consul DNS cannot serve longer names. */
  public static final int MAX_LABEL = 63;
  private static final Pattern NOT_WORD = Pattern.compile("[^\\w-]");
  private static final Pattern NOT_LABEL = Pattern.compile("[^a-z0-9-]");

  private Names() {}

  /**
   * mesos-consul's {@code cleanName}: every character other than letters, digits, {@code _} and
   * {@code -} becomes {@code -}, then {@code _} becomes {@code separator}, then lower-case.
   */
  public static String cleanName(String name, String separator) {
    String dashed = NOT_WORD.matcher(name).replaceAll("-");
    return dashed.replace("_", separator).toLowerCase(Locale.ROOT);
  }

  /**
   * {@link #cleanName} made into a DNS label: characters a separator may have brought in become
   * {@code -}, leading and trailing {@code -} are trimmed, and the result is cut to 63 characters.
   * Returns the empty string when nothing usable is left.
   */
  public static String serviceName(String name, String separator) {
    return label(cleanName(name, separator), MAX_LABEL);
  }

  /** The name of the k-th (0-based) port's service: the base name, then {@code -port2}, {@code -port3}... */
  public static String portName(String base, int index) {
    if (index == 0) {
      return base;
    }
    String suffix = "-port" + (index + 1);
    return label(base, MAX_LABEL - suffix.length()) + suffix;
  }

  private static String label(String s, int max) {
    String cleaned = NOT_LABEL.matcher(s.toLowerCase(Locale.ROOT)).replaceAll("-");
    int start = 0;
    int end = cleaned.length();
    while (start < end && cleaned.charAt(start) == '-') {
      start++;
    }
    if (end - start > max) {
      end = start + max;
    }
    while (end > start && cleaned.charAt(end - 1) == '-') {
      end--;
    }
    return cleaned.substring(start, end);
  }
}
