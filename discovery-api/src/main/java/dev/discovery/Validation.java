package dev.discovery;

/** Argument checks shared by the value types; messages name the field so the caller knows what to fix. */
final class Validation {
  private Validation() {}

  static String requireNonBlank(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    return value;
  }

  /** A tag or datacenter travels in URLs and DNS names, where commas and whitespace break queries. */
  static String requireToken(String value, String field) {
    requireNonBlank(value, field);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == ',' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            field + " '" + value + "' must not contain commas, whitespace or control characters");
      }
    }
    return value;
  }
}
