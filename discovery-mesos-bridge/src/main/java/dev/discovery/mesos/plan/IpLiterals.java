package dev.discovery.mesos.plan;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Recognises IP literals without ever resolving a name (planning must not do DNS). */
final class IpLiterals {
  private static final Pattern V4 = Pattern.compile(
      "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern V6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

  private IpLiterals() {}

  static boolean isIp(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    if (V4.matcher(s).matches()) {
      return true;
    }
    if (s.indexOf(':') < 0 || !V6_CHARS.matcher(s).matches()) {
      return false;
    }
    try {
      // Only reached for strings made of hex digits, colons and dots: parsed, never looked up.
      return InetAddress.getByName(s) instanceof Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** IPv4 as given; IPv6 lower-cased so that IDs do not change with the case Mesos prints. */
  static String normalize(String ip) {
    return ip.toLowerCase(java.util.Locale.ROOT);
  }
}
