package dev.discovery.consul.http;

import dev.discovery.ServiceQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The {@code filter} expression sent for a query: the client-wide filter, the query's own filter, and the
 * expressions generated for its service-meta equalities and any-of tags, each parenthesised and joined with
 * {@code and}. Pure.
 *
 * <p>Written in Consul's filter language (go-bexpr, {@code grammar/grammar.peg}): a selector is an identifier
 * path ({@code Service.Meta.version}), or uses an index for a map key that is not an identifier
 * ({@code Service.Meta["build-id"]}); a double-quoted string may not contain a {@code "} character at all (the
 * grammar ends the literal there) and is then read by Go's {@code strconv.Unquote}, so a backslash is written
 * {@code \\} and a quote {@code \x22}.
 */
final class FilterExpression {
  /** go-bexpr's {@code Identifier}: a letter, then letters, digits and underscores. */
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  private FilterExpression() {}

  /** The expression for {@code query} under the client-wide {@code clientFilter} (may be null), or null if none. */
  static String of(ServiceQuery query, String clientFilter) {
    List<String> parts = new ArrayList<>();
    if (clientFilter != null) {
      parts.add(clientFilter);
    }
    if (query.filter() != null) {
      parts.add(query.filter());
    }
    for (Map.Entry<String, String> m : query.serviceMeta().entrySet()) { // sorted by key: a stable URL
      parts.add(metaSelector("Service", m.getKey()) + " == " + literal(m.getValue()));
    }
    if (!query.anyTags().isEmpty()) {
      StringBuilder any = new StringBuilder();
      for (String tag : new TreeSet<>(query.anyTags())) {
        if (any.length() > 0) {
          any.append(" or ");
        }
        any.append(literal(tag)).append(" in Service.Tags");
      }
      parts.add(any.toString());
    }
    if (parts.isEmpty()) {
      return null;
    }
    if (parts.size() == 1) {
      return parts.get(0); // a lone expression is sent as written
    }
    StringBuilder all = new StringBuilder();
    for (String part : parts) {
      if (all.length() > 0) {
        all.append(" and ");
      }
      all.append('(').append(part).append(')');
    }
    return all.toString();
  }

  /** {@code Service.Meta.key}, or {@code Service.Meta["key"]} when the key is not a bexpr identifier. */
  static String metaSelector(String root, String key) {
    return IDENTIFIER.matcher(key).matches() ? root + ".Meta." + key : root + ".Meta[" + literal(key) + "]";
  }

  /** {@code value} as a bexpr double-quoted string literal that reads back exactly as {@code value}. */
  static String literal(String value) {
    StringBuilder s = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        s.append("\\\\");
      } else if (c == '"') {
        s.append("\\x22"); // a raw '"' would end the literal, even after a backslash
      } else if (c < 0x20 || c == 0x7f) {
        s.append(String.format("\\x%02x", (int) c)); // ServiceQuery refuses these; kept exact all the same
      } else {
        s.append(c);
      }
    }
    return s.append('"').toString();
  }
}
