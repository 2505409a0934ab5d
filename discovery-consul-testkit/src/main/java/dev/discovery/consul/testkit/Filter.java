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
 * {@code .Address}, {@code .Datacenter}, {@code .Meta[.k]} and {@code Checks.Status}. A map key is written
 * {@code Service.Meta.k} when it is an identifier, else with an index, {@code Service.Meta["build-id"]}. String
 * literals follow go-bexpr's {@code grammar/grammar.peg}: {@code "..."} ends at the next double quote and is then
 * read with Go's escapes ({@code strconv.Unquote}: {@code \\}, {@code \x22}...), {@code `...`} has none.
 * Anything else is rejected with Consul's 500 "Failed to create boolean expression evaluator: " text (the
 * detail after it is the testkit's own) rather than silently ignored.
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

  /** Marks a string literal's token, so that a quoted "and" is a value, not the operator. */
  private static final char STRING = '\u0000';
  /** Separates a selector from its index key: {@code Service.Meta["k"]} is the token "Service.Meta", INDEX, "k". */
  private static final char INDEX = '\u0001';
  /** go-bexpr's {@code Identifier}, the only form a selector's parts may take without an index. */
  private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("[a-zA-Z][a-zA-Z0-9_/]*");

  private static List<String> tokenize(String s) {
    List<String> out = new ArrayList<>();
    int[] at = {0};
    while (at[0] < s.length()) {
      int i = at[0];
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        at[0]++;
      } else if (c == '(' || c == ')') {
        out.add(String.valueOf(c));
        at[0]++;
      } else if (c == '"' || c == '`') {
        out.add(STRING + stringLiteral(s, at));
      } else if (s.startsWith("==", i) || s.startsWith("!=", i)) {
        out.add(s.substring(i, i + 2));
        at[0] += 2;
      } else {
        while (at[0] < s.length() && !Character.isWhitespace(s.charAt(at[0]))
            && "()\"`=![]".indexOf(s.charAt(at[0])) < 0) {
          at[0]++;
        }
        if (at[0] == i) {
          throw new IllegalArgumentException("unexpected character '" + c + "' at " + i);
        }
        String word = s.substring(i, at[0]);
        if (at[0] < s.length() && s.charAt(at[0]) == '[') {
          // grammar.peg IndexExpression: "[" _? StringLiteral _? "]", e.g. Service.Meta["build-id"]
          at[0]++;
          skipSpace(s, at);
          if (at[0] >= s.length() || (s.charAt(at[0]) != '"' && s.charAt(at[0]) != '`')) {
            throw new IllegalArgumentException("Invalid index");
          }
          String key = stringLiteral(s, at);
          skipSpace(s, at);
          if (at[0] >= s.length() || s.charAt(at[0]) != ']') {
            throw new IllegalArgumentException("Unclosed index expression");
          }
          at[0]++;
          word = word + INDEX + key;
        }
        out.add(word);
      }
    }
    return out;
  }

  private static void skipSpace(String s, int[] at) {
    while (at[0] < s.length() && Character.isWhitespace(s.charAt(at[0]))) {
      at[0]++;
    }
  }

  /**
   * The string literal starting at {@code at[0]}, which moves past it. As go-bexpr's grammar: a double-quoted
   * literal ends at the next {@code "} whatever precedes it, then Go's {@code strconv.Unquote} reads its
   * escapes; a raw literal ends at the next backtick and has no escapes (Unquote drops its carriage returns).
   */
  private static String stringLiteral(String s, int[] at) {
    char quote = s.charAt(at[0]);
    int end = s.indexOf(quote, at[0] + 1);
    if (end < 0) {
      throw new IllegalArgumentException("Unterminated string literal");
    }
    String body = s.substring(at[0] + 1, end);
    at[0] = end + 1;
    return quote == '`' ? body.replace("\r", "") : goUnquote(body);
  }

  /** Go's escapes in a double-quoted string ({@code strconv.UnquoteChar}); "invalid syntax" as Go says. */
  private static String goUnquote(String body) {
    if (body.indexOf('\\') < 0 && body.indexOf('\n') < 0) {
      return body;
    }
    StringBuilder out = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\n') {
        throw new IllegalArgumentException("invalid syntax");
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (++i >= body.length()) {
        throw new IllegalArgumentException("invalid syntax");
      }
      char e = body.charAt(i);
      switch (e) {
        case 'a': out.append('\u0007'); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'n': out.append('\n'); break;
        case 'r': out.append('\r'); break;
        case 't': out.append('\t'); break;
        case 'v': out.append('\u000b'); break;
        case '\\': out.append('\\'); break;
        case 'x': case 'u': case 'U': {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          int v;
          try {
            v = Integer.parseUnsignedInt(body.substring(i + 1, i + 1 + digits), 16);
          } catch (NumberFormatException | IndexOutOfBoundsException ex) {
            throw new IllegalArgumentException("invalid syntax");
          }
          if (!Character.isValidCodePoint(v) || (e != 'x' && v >= 0xD800 && v <= 0xDFFF)) {
            throw new IllegalArgumentException("invalid syntax");
          }
          if (e == 'x') {
            out.append((char) v); // one byte; the testkit only meets ASCII ones
          } else {
            out.appendCodePoint(v);
          }
          i += digits;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int v;
            try {
              v = Integer.parseInt(body.substring(i, i + 3), 8);
            } catch (NumberFormatException | IndexOutOfBoundsException ex) {
              throw new IllegalArgumentException("invalid syntax");
            }
            if (v > 255) {
              throw new IllegalArgumentException("invalid syntax");
            }
            out.append((char) v);
            i += 2;
            break;
          }
          throw new IllegalArgumentException("invalid syntax"); // \' and anything else: not in a "" string
      }
    }
    return out.toString();
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
      if (first.charAt(0) == STRING || !isSelector(first)) {
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
          requireScalar(sel, shown(first));
          String v = literal(next());
          return e -> sel.scalar(e).equals(v);
        }
        case "!=": {
          requireScalar(sel, shown(first));
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
      return token.charAt(0) == STRING ? token.substring(1) : token;
    }
  }

  /** A selector token as it was written, for messages. */
  private static String shown(String token) {
    int index = token.indexOf(INDEX);
    return index < 0 ? token : token.substring(0, index) + "[\"" + token.substring(index + 1) + "\"]";
  }

  /** Reads one field of a health row, as a scalar or as a collection (tags, map keys, check statuses). */
  private interface Selector {
    String scalar(HealthEntry e);

    List<String> values(HealthEntry e);

    /** False for lists and whole maps, which only 'in', 'contains' and 'is empty' can test. */
    boolean scalarOk();
  }

  private static Selector selector(String token) {
    int index = token.indexOf(INDEX);
    String path = index < 0 ? token : token.substring(0, index);
    String[] parts = path.split("\\.", 3);
    for (String part : parts) {
      if (!IDENTIFIER.matcher(part).matches()) {
        throw new IllegalArgumentException("Selector \"" + shown(token) + "\" is not valid");
      }
    }
    if (index >= 0 && (parts.length != 2 || !parts[1].equals("Meta"))) {
      throw new IllegalArgumentException("Selector \"" + shown(token) + "\" is not valid"); // only maps take keys
    }
    if (parts.length >= 2 && parts[1].equals("Meta")) {
      boolean service = parts[0].equals("Service");
      if (!service && !parts[0].equals("Node")) {
        throw new IllegalArgumentException("Selector \"" + shown(token) + "\" is not valid");
      }
      // Service.Meta.k and Service.Meta["k"] are the same selector
      String key = index >= 0 ? token.substring(index + 1) : parts.length == 3 ? parts[2] : null;
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
