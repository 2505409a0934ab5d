package dev.discovery.consul.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A subset of Consul's {@code ?filter} language (go-bexpr) over health rows: {@code ==}, {@code !=},
 * {@code in}, {@code not in}, {@code contains}, {@code not contains}, {@code is empty}, {@code is not empty},
 * {@code and}, {@code or}, {@code not} and parentheses, on the selectors {@code Service.ID}, {@code .Service},
 * {@code .Tags}, {@code .Address}, {@code .Port}, {@code .Kind}, {@code .Meta[.k]}, {@code Node.Node}, {@code .ID},
 * {@code .Address}, {@code .Datacenter}, {@code .Meta[.k]} and {@code Checks.Status}. Anything else is rejected
 * with Consul's 500 "Failed to create boolean expression evaluator" error rather than silently ignored.
 */
final class Filter {
  private static final Filter ALL = new Filter(e -> true);
  private final Predicate<HealthEntry> predicate;

  private Filter(Predicate<HealthEntry> predicate) {
    this.predicate = predicate;
  }

  boolean matches(HealthEntry e) {
    return predicate.test(e);
  }

  static Filter parse(String expression) {
    if (expression == null || expression.isBlank()) {
      return ALL;
    }
    try {
      Parser p = new Parser(tokenize(expression));
      Predicate<HealthEntry> pred = p.or();
      if (p.pos != p.tokens.size()) {
        throw new IllegalArgumentException("unexpected \"" + p.tokens.get(p.pos) + "\"");
      }
      return new Filter(pred);
    } catch (IllegalArgumentException e) {
      throw new ApiException(500, "Failed to create boolean expression evaluator: " + e.getMessage());
    }
  }

  private static List<String> tokenize(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '(' || c == ')') {
        out.add(String.valueOf(c));
        i++;
      } else if (c == '"' || c == '`') {
        int end = s.indexOf(c, i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unterminated string at " + i);
        }
        out.add("\u0000" + s.substring(i + 1, end));
        i = end + 1;
      } else if (s.startsWith("==", i) || s.startsWith("!=", i)) {
        out.add(s.substring(i, i + 2));
        i += 2;
      } else {
        int start = i;
        while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "()\"`=!".indexOf(s.charAt(i)) < 0) {
          i++;
        }
        if (start == i) {
          throw new IllegalArgumentException("unexpected character '" + c + "' at " + i);
        }
        out.add(s.substring(start, i));
      }
    }
    return out;
  }

  private static final class Parser {
    final List<String> tokens;
    int pos;

    Parser(List<String> tokens) {
      this.tokens = tokens;
    }

    String peek() {
      return pos < tokens.size() ? tokens.get(pos) : null;
    }

    String next() {
      if (pos >= tokens.size()) {
        throw new IllegalArgumentException("unexpected end of expression");
      }
      return tokens.get(pos++);
    }

    boolean accept(String word) {
      if (word.equals(peek())) {
        pos++;
        return true;
      }
      return false;
    }

    Predicate<HealthEntry> or() {
      Predicate<HealthEntry> left = and();
      while (accept("or")) {
        left = left.or(and());
      }
      return left;
    }

    Predicate<HealthEntry> and() {
      Predicate<HealthEntry> left = unary();
      while (accept("and")) {
        left = left.and(unary());
      }
      return left;
    }

    Predicate<HealthEntry> unary() {
      if (accept("not")) {
        return unary().negate();
      }
      if (accept("(")) {
        Predicate<HealthEntry> inner = or();
        if (!accept(")")) {
          throw new IllegalArgumentException("missing )");
        }
        return inner;
      }
      return comparison();
    }

    Predicate<HealthEntry> comparison() {
      String first = next();
      if (first.startsWith("\u0000") || !isSelector(first)) {
        // "<value>" in|not in <selector>
        String value = literal(first);
        boolean negate = accept("not");
        if (!accept("in")) {
          throw new IllegalArgumentException("expected 'in' after value " + value);
        }
        Selector sel = selector(next());
        Predicate<HealthEntry> p = e -> sel.values(e).contains(value);
        return negate ? p.negate() : p;
      }
      Selector sel = selector(first);
      String op = next();
      switch (op) {
        case "==": {
          requireScalar(sel, first);
          String v = literal(next());
          return e -> sel.scalar(e).equals(v);
        }
        case "!=": {
          requireScalar(sel, first);
          String v = literal(next());
          return e -> !sel.scalar(e).equals(v);
        }
        case "contains": {
          String v = literal(next());
          return e -> sel.values(e).contains(v);
        }
        case "is": {
          boolean negate = accept("not");
          if (!accept("empty")) {
            throw new IllegalArgumentException("expected 'empty' after 'is'");
          }
          Predicate<HealthEntry> p = e -> sel.values(e).isEmpty();
          return negate ? p.negate() : p;
        }
        case "not": {
          if (!accept("contains")) {
            throw new IllegalArgumentException("expected 'contains' after 'not'");
          }
          String v = literal(next());
          return e -> !sel.values(e).contains(v);
        }
        default:
          throw new IllegalArgumentException("unsupported operator \"" + op + "\"");
      }
    }

    private static void requireScalar(Selector sel, String path) {
      if (!sel.scalarOk()) {
        throw new IllegalArgumentException("Selector \"" + path + "\" is a collection; use 'in', 'contains' or "
            + "'is empty'");
      }
    }

    private static boolean isSelector(String token) {
      return token.startsWith("Service.") || token.startsWith("Node.") || token.startsWith("Checks.");
    }

    private static String literal(String token) {
      return token.startsWith("\u0000") ? token.substring(1) : token;
    }
  }

  /** Reads one field of a health row, as a scalar or as a collection (tags, map keys, check statuses). */
  private interface Selector {
    String scalar(HealthEntry e);

    List<String> values(HealthEntry e);

    /** False for lists and whole maps, which only 'in', 'contains' and 'is empty' can test. */
    boolean scalarOk();
  }

  private static Selector selector(String path) {
    String[] parts = path.split("\\.", 3);
    if (parts.length >= 2 && parts[1].equals("Meta")) {
      boolean service = parts[0].equals("Service");
      if (!service && !parts[0].equals("Node")) {
        throw new IllegalArgumentException("Selector \"" + path + "\" is not valid");
      }
      String key = parts.length == 3 ? parts[2] : null;
      return new Selector() {
        Map<String, String> meta(HealthEntry e) {
          Map<String, String> m = service ? e.service().meta() : e.node().meta();
          return m == null ? Map.of() : m;
        }

        @Override
        public boolean scalarOk() {
          return key != null;
        }

        @Override
        public String scalar(HealthEntry e) {
          return meta(e).getOrDefault(key, "");
        }

        @Override
        public List<String> values(HealthEntry e) {
          if (key == null) {
            return new ArrayList<>(meta(e).keySet());
          }
          String v = meta(e).get(key);
          return v == null || v.isEmpty() ? List.of() : List.of(v);
        }
      };
    }
    if (parts.length != 2) {
      throw new IllegalArgumentException("Selector \"" + path + "\" is not valid");
    }
    java.util.function.Function<HealthEntry, List<String>> get;
    switch (path) {
      case "Service.ID": get = e -> List.of(e.service().id()); break;
      case "Service.Service": get = e -> List.of(e.service().name()); break;
      case "Service.Address": get = e -> List.of(e.service().address()); break;
      case "Service.Kind": get = e -> List.of(e.service().kind()); break;
      case "Service.Port": get = e -> List.of(Integer.toString(e.service().port())); break;
      case "Service.Tags": get = e -> e.service().tags(); break;
      case "Node.Node": get = e -> List.of(e.node().name()); break;
      case "Node.ID": get = e -> List.of(e.node().id()); break;
      case "Node.Address": get = e -> List.of(e.node().address()); break;
      case "Node.Datacenter": get = e -> List.of(e.node().datacenter()); break;
      case "Checks.Status": get = e -> e.checks().stream().map(CheckEntry::status).toList(); break;
      case "Checks.CheckID": get = e -> e.checks().stream().map(CheckEntry::checkId).toList(); break;
      default: throw new IllegalArgumentException("Selector \"" + path + "\" is not valid");
    }
    boolean list = path.equals("Service.Tags") || path.startsWith("Checks.");
    return new Selector() {
      @Override
      public boolean scalarOk() {
        return !list;
      }

      @Override
      public String scalar(HealthEntry e) {
        return get.apply(e).get(0);
      }

      @Override
      public List<String> values(HealthEntry e) {
        List<String> v = get.apply(e);
        return list ? v : v.get(0).isEmpty() ? List.of() : v;
      }
    };
  }
}
