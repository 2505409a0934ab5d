package dev.discovery.mesos.state;

import java.util.ArrayList;
import java.util.List;

/** Expands Mesos's textual port resource ({@code "[31000-31001, 31005-31005]"}) into port numbers. */
public final class PortRanges {
  /** A range wider than this is refused: a task reserving it would flood Consul with services. */
  static final int MAX_PORTS = 10_000;

  private PortRanges() {}

  /**
   * Parses the range list; {@code ""}, {@code "[]"} and null are empty. A bare number is read as a
   * one-port range (mesos-consul crashed on it).
   *
   * @throws IllegalArgumentException naming the bad element
   */
  public static List<Integer> parse(String text) {
    if (text == null) {
      return List.of();
    }
    String body = text.trim();
    if (body.startsWith("[") && body.endsWith("]")) {
      body = body.substring(1, body.length() - 1).trim();
    } else if (body.startsWith("[") || body.endsWith("]")) {
      throw new IllegalArgumentException("unbalanced brackets in port ranges \"" + text + "\"");
    }
    if (body.isEmpty()) {
      return List.of();
    }
    List<Integer> ports = new ArrayList<>();
    for (String element : body.split(",")) {
      String range = element.trim();
      int dash = range.indexOf('-');
      int lo;
      int hi;
      try {
        if (dash < 0) {
          lo = hi = Integer.parseInt(range);
        } else {
          lo = Integer.parseInt(range.substring(0, dash).trim());
          hi = Integer.parseInt(range.substring(dash + 1).trim());
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port range \"" + range + "\" in \"" + text + "\"");
      }
      if (lo < 0 || hi > 65535 || lo > hi) {
        throw new IllegalArgumentException("port range \"" + range + "\" out of order or bounds in \""
            + text + "\"");
      }
      if (ports.size() + (hi - lo + 1) > MAX_PORTS) {
        throw new IllegalArgumentException("more than " + MAX_PORTS + " ports in \"" + text + "\"");
      }
      for (int p = lo; p <= hi; p++) {
        ports.add(p);
      }
    }
    return List.copyOf(ports);
  }
}
