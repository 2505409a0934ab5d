package dev.discovery.consul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Bad inputs for the parser properties: random bytes, token soup that looks like JSON, and valid documents
 * damaged at the byte level (flip, overwrite, insert, delete, duplicate, truncate) or at the JSON level (a value
 * replaced by one of the wrong type or an extreme value, a field removed, a value buried under deep nesting).
 * Sizes are bounded so that every try is fast. Shared, through this module's test-jar, with the bridge's property
 * tests of the Mesos state and MasterInfo readers, so its tokens cover both documents' key names.
 */
public final class Mutations {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Values of every JSON type, and numbers at the edges of int, long, double and port ranges. */
  private static final String[] ODD_VALUES = {
      "null", "true", "false", "0", "-1", "1.5", "-0", "1e3", "65535", "65536", "-65536", "2147483647",
      "2147483648", "-2147483649", "9223372036854775808", "1e400", "-1e400", "0.0000001", "\"\"", "\" \"",
      "\"x\"", "\"-1\"", "\"8080\"", "\"\\u0000\"", "\"caf\\u00e9\"", "\"\\ud800\"", "[]", "{}", "[null]", "[1]",
      "[\"x\"]", "{\"\":null}", "{\"a\":[]}", "[[]]", "[{}]"};
  private static final String[] TOKENS = {
      "{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "0", "-", "1", "e", ".", "\"Node\"", "\"Service\"",
      "\"Port\"", "\"Checks\"", "\"Status\"", "\"slaves\"", "\"frameworks\"", "\"tasks\"", "\"statuses\"",
      "\"port\"", "\"a\"", " ", "\\", "\\u", "\n"};
  private static final String NEST_MARK = "@@nest-3c9f@@";

  private Mutations() {}

  /** Up to {@code maxLength} uniformly random bytes. */
  public static byte[] randomBytes(Random r, int maxLength) {
    byte[] b = new byte[r.nextInt(maxLength + 1)];
    r.nextBytes(b);
    return b;
  }

  /** Up to {@code maxTokens} JSON-ish tokens in random order: mostly invalid, sometimes valid JSON. */
  public static byte[] tokenSoup(Random r, int maxTokens) {
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(maxTokens + 1);
    for (int i = 0; i < n; i++) {
      s.append(r.nextInt(4) == 0 ? ODD_VALUES[r.nextInt(ODD_VALUES.length)] : TOKENS[r.nextInt(TOKENS.length)]);
    }
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** One to four byte-level edits of {@code valid}. */
  public static byte[] byteEdits(Random r, byte[] valid) {
    byte[] b = valid.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      b = byteEdit(r, b);
    }
    return b;
  }

  private static byte[] byteEdit(Random r, byte[] b) {
    if (b.length == 0) {
      return randomBytes(r, 8);
    }
    int at = r.nextInt(b.length);
    switch (r.nextInt(6)) {
      case 0: { // flip one bit
        byte[] c = b.clone();
        c[at] ^= (byte) (1 << r.nextInt(8));
        return c;
      }
      case 1: { // overwrite one byte
        byte[] c = b.clone();
        c[at] = (byte) r.nextInt(256);
        return c;
      }
      case 2: { // insert random bytes or a token
        byte[] ins = r.nextBoolean() ? randomBytes(r, 4)
            : (r.nextBoolean() ? ODD_VALUES[r.nextInt(ODD_VALUES.length)] : TOKENS[r.nextInt(TOKENS.length)])
                .getBytes(StandardCharsets.UTF_8);
        return splice(b, at, 0, ins);
      }
      case 3: // delete a run
        return splice(b, at, Math.min(b.length - at, 1 + r.nextInt(16)), new byte[0]);
      case 4: { // duplicate a run
        int len = Math.min(b.length - at, 1 + r.nextInt(32));
        byte[] run = new byte[len];
        System.arraycopy(b, at, run, 0, len);
        return splice(b, at, 0, run);
      }
      default: // truncate
        return splice(b, at, b.length - at, new byte[0]);
    }
  }

  private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + insert.length);
    out.write(b, 0, at);
    out.write(insert, 0, insert.length);
    out.write(b, at + remove, b.length - at - remove);
    return out.toByteArray();
  }

  /**
   * {@code valid} (a JSON document) with one to three of its values replaced by a value of another type or an
   * extreme one, removed from its object or array, or wrapped in nesting up to {@code maxDepth} deep.
   */
  public static byte[] jsonEdits(Random r, byte[] valid, int maxDepth) {
    JsonNode root;
    try {
      root = MAPPER.readTree(valid);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException("the seed document must be valid JSON", e);
    }
    int depth = 0;
    int edits = 1 + r.nextInt(3);
    for (int e = 0; e < edits; e++) {
      List<Slot> slots = new ArrayList<>();
      collect(root, slots);
      if (slots.isEmpty()) {
        break;
      }
      Slot slot = slots.get(r.nextInt(slots.size()));
      int kind = r.nextInt(10);
      if (kind < 6) {
        slot.set(odd(r));
      } else if (kind < 8) {
        slot.remove();
      } else if (depth == 0) {
        depth = 1 + r.nextInt(maxDepth);
        slot.set(TextNode.valueOf(NEST_MARK));
      } else {
        slot.set(odd(r));
      }
    }
    String text;
    try {
      text = MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException ex) {
      throw new UncheckedIOException(ex);
    }
    if (depth > 0) {
      boolean arrays = r.nextBoolean();
      String open = arrays ? "[" : "{\"a\":";
      String close = arrays ? "]" : "}";
      text = text.replace("\"" + NEST_MARK + "\"", open.repeat(depth) + "1" + close.repeat(depth));
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A bare value nested {@code depth} levels deep, in arrays or objects. */
  public static byte[] deepNesting(Random r, int maxDepth) {
    int depth = 1 + r.nextInt(maxDepth);
    boolean arrays = r.nextBoolean();
    String open = arrays ? "[" : "{\"a\":";
    String close = arrays ? "]" : "}";
    return (open.repeat(depth) + "0" + close.repeat(depth)).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Any of the above, weighted towards damaged copies of {@code valid} since those reach the parsers' field
   * checks: what the property tests feed.
   */
  public static byte[] anyBadInput(Random r, byte[] valid) {
    int pick = r.nextInt(20);
    if (pick < 2) {
      return randomBytes(r, 256);
    } else if (pick < 4) {
      return tokenSoup(r, 40);
    } else if (pick < 5) {
      return deepNesting(r, 5000);
    } else if (pick < 11) {
      return byteEdits(r, valid);
    } else if (pick < 12) { // truncated anywhere
      return java.util.Arrays.copyOf(valid, r.nextInt(Math.max(1, valid.length)));
    } else {
      return jsonEdits(r, valid, 3000);
    }
  }

  private static JsonNode odd(Random r) {
    try {
      return MAPPER.readTree(ODD_VALUES[r.nextInt(ODD_VALUES.length)]);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A place holding a value: an object field or an array element. */
  private interface Slot {
    void set(JsonNode value);

    void remove();
  }

  private static void collect(JsonNode node, List<Slot> out) {
    if (node instanceof ObjectNode) {
      ObjectNode o = (ObjectNode) node;
      for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        JsonNode child = o.get(name);
        out.add(new Slot() {
          @Override
          public void set(JsonNode value) {
            o.set(name, value);
          }

          @Override
          public void remove() {
            o.remove(name);
          }
        });
        collect(child, out);
      }
    } else if (node instanceof ArrayNode) {
      ArrayNode a = (ArrayNode) node;
      for (int i = 0; i < a.size(); i++) {
        int index = i;
        out.add(new Slot() {
          @Override
          public void set(JsonNode value) {
            a.set(index, value);
          }

          @Override
          public void remove() {
            a.remove(index);
          }
        });
        collect(a.get(i), out);
      }
    }
  }
}
