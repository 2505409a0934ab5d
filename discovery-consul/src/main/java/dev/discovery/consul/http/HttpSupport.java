package dev.discovery.consul.http;

/** Argument checks for the builder's single-word settings; messages name the setting so the caller knows what to fix. */
final class HttpSupport {
  private HttpSupport() {}

  /** {@code value} if it is one non-blank word (no white space or control characters). */
  static String checkWord(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(field + " '" + value + "' must not contain whitespace");
      }
    }
    return value;
  }
}
