package dev.discovery.consul.testkit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A decoded query string that keeps repeated keys and presence-only keys (like Go's url.Values). */
final class QueryParams {
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  static QueryParams parse(String rawQuery) {
    QueryParams q = new QueryParams();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return q;
    }
    for (String pair : rawQuery.split("[&;]")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      q.values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return q;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid URL escape in query string");
    }
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** The first value, "" when present without a value, null when absent. */
  String get(String key) {
    List<String> v = values.get(key);
    return v == null ? null : v.get(0);
  }

  List<String> all(String key) {
    return values.getOrDefault(key, List.of());
  }

  /** Consul's getBoolQueryParam: presence alone means true, else strconv.ParseBool. */
  Boolean bool(String key) {
    if (!has(key)) {
      return false;
    }
    String v = get(key);
    switch (v) {
      case "": case "1": case "t": case "T": case "TRUE": case "true": case "True":
        return true;
      case "0": case "f": case "F": case "FALSE": case "false": case "False":
        return false;
      default:
        return null;
    }
  }
}
