package dev.discovery.cache;

import dev.discovery.Health;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The file format of a persisted answer, pure (bytes in, bytes out; no I/O). discovery-api has no JSON library and
 * gains none for this: the format is a small, strict line format of its own, UTF-8, one record per line, fields
 * separated by tabs, with {@code \\}, tab, line feed and carriage return escaped as {@code \\ \t \n \r}:
 *
 * <pre>
 * discovery-snapshot  1                       format version
 * backend             consul-http http://...   the backend's identity, then the query's every field:
 * query.service       web                      query.prepared, query.tag (each), query.any-tag (each),
 * ...                                          query.service-meta / query.node-meta (key, value), query.filter,
 *                                              query.near, query.datacenter, query.failover (each, in order),
 *                                              query.min-healthy, query.health
 * confirmed           1733130000000            when the registry last confirmed the answer (epoch ms)
 * instances           2
 * instance            id service host port weight HEALTH
 * tag / meta / node-meta ...                   of the instance above
 * end                 1a2b3c4d                 CRC-32C (hex) of every byte before this line
 * </pre>
 *
 * <p>The identity lines are compared with the expected ones exactly, so a file for another query or another
 * backend is "foreign" even if its name collides; the checksum makes a truncated or bit-flipped file "corrupt"
 * rather than a different answer. {@link #decode} never throws: every defect is a reason to ignore the file.
 * Nothing secret is written: instances carry none, and the backend identity is its description, never a token.
 */
final class SnapshotFormat {
  static final int VERSION = 1;
  static final String MAGIC = "discovery-snapshot";
  /** What persisted answers' files end with; temporary files never do. */
  static final String SUFFIX = ".snapshot";
  /** Far more than any real answer (5,000 instances with metadata take about 2 MB); a larger file is not ours. */
  static final int MAX_BYTES = 64 << 20;

  private SnapshotFormat() {}

  /** A persisted answer: when it was confirmed (wall-clock epoch milliseconds) and its instances. */
  record Saved(long confirmedMillis, List<ServiceInstance> instances) {}

  /**
   * What reading a file gave: the answer, or why the file was ignored; both {@code null} for a missing file.
   */
  record ReadResult(Saved saved, String ignored) {
    static final ReadResult MISSING = new ReadResult(null, null);

    static ReadResult ignored(String why) {
      return new ReadResult(null, why);
    }
  }

  /** The identity lines of {@code query} as asked of the backend {@code backend}: every field, canonical order. */
  static String identity(String backend, ServiceQuery query) {
    StringBuilder s = new StringBuilder();
    line(s, "backend", backend);
    line(s, "query.service", query.service());
    line(s, "query.prepared", String.valueOf(query.prepared()));
    for (String tag : new TreeSet<>(query.tags())) {
      line(s, "query.tag", tag);
    }
    for (String tag : new TreeSet<>(query.anyTags())) {
      line(s, "query.any-tag", tag);
    }
    for (Map.Entry<String, String> m : new TreeMap<>(query.serviceMeta()).entrySet()) {
      line(s, "query.service-meta", m.getKey(), m.getValue());
    }
    for (Map.Entry<String, String> m : new TreeMap<>(query.nodeMeta()).entrySet()) {
      line(s, "query.node-meta", m.getKey(), m.getValue());
    }
    if (query.filter() != null) {
      line(s, "query.filter", query.filter());
    }
    if (query.near() != null) {
      line(s, "query.near", query.near());
    }
    if (query.datacenter() != null) {
      line(s, "query.datacenter", query.datacenter());
    }
    for (String dc : query.failover()) {
      line(s, "query.failover", dc);
    }
    line(s, "query.min-healthy", String.valueOf(query.minHealthy()));
    line(s, "query.health", query.health().name());
    return s.toString();
  }

  /**
   * The file name for an identity: a readable part (the service's name, made safe) and the first 128 bits of the
   * identity's SHA-256, so that every query of every backend has its own file and the same one after a restart.
   */
  static String fileName(String identity, ServiceQuery query) {
    StringBuilder name = new StringBuilder(query.prepared() ? "pq-" : "q-");
    String service = query.service();
    for (int i = 0; i < service.length() && i < 40; i++) {
      char c = service.charAt(i);
      name.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          ? c : '_');
    }
    byte[] digest = sha256(identity.getBytes(StandardCharsets.UTF_8));
    name.append('-');
    for (int i = 0; i < 16; i++) {
      name.append(Character.forDigit((digest[i] >> 4) & 0xf, 16)).append(Character.forDigit(digest[i] & 0xf, 16));
    }
    return name.append(SUFFIX).toString();
  }

  /** The file's bytes for {@code instances} confirmed at {@code confirmedMillis}, under {@code identity}. */
  static byte[] encode(String identity, long confirmedMillis, List<ServiceInstance> instances) {
    StringBuilder s = new StringBuilder(256 + instances.size() * 128);
    line(s, MAGIC, String.valueOf(VERSION));
    s.append(identity);
    line(s, "confirmed", String.valueOf(confirmedMillis));
    line(s, "instances", String.valueOf(instances.size()));
    for (ServiceInstance i : instances) {
      line(s, "instance", i.id(), i.service(), i.host(), String.valueOf(i.port()), String.valueOf(i.weight()),
          i.health().name());
      for (String tag : new TreeSet<>(i.tags())) {
        line(s, "tag", tag);
      }
      for (Map.Entry<String, String> m : new TreeMap<>(i.meta()).entrySet()) {
        line(s, "meta", m.getKey(), m.getValue());
      }
      for (Map.Entry<String, String> m : new TreeMap<>(i.nodeMeta()).entrySet()) {
        line(s, "node-meta", m.getKey(), m.getValue());
      }
    }
    byte[] body = s.toString().getBytes(StandardCharsets.UTF_8);
    byte[] end = ("end\t" + crcHex(body, body.length) + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(body, body.length + end.length);
    System.arraycopy(end, 0, all, body.length, end.length);
    return all;
  }

  /**
   * Reads a file's bytes back, expecting {@code identity}. Never throws: a file that is not a complete, valid
   * answer to exactly this query of this backend is {@linkplain ReadResult#ignored ignored}, saying why.
   */
  static ReadResult decode(byte[] bytes, String identity) {
    try {
      return decodeStrictly(bytes, identity);
    } catch (Defect e) {
      return ReadResult.ignored(e.getMessage());
    } catch (RuntimeException e) {
      // A value the instance's own validation refuses (a port out of range...): corrupt, like any other defect.
      return ReadResult.ignored("corrupt (" + e.getMessage() + ")");
    }
  }

  private static ReadResult decodeStrictly(byte[] bytes, String identity) {
    if (bytes.length > MAX_BYTES) {
      throw new Defect("larger than " + MAX_BYTES + " bytes, so not a persisted answer");
    }
    int firstEnd = indexOf(bytes, 0, bytes.length);
    String header = firstEnd < 0 ? null : new String(bytes, 0, firstEnd, StandardCharsets.ISO_8859_1);
    if (header == null || !header.startsWith(MAGIC + "\t")) {
      throw new Defect("not a persisted answer (no '" + MAGIC + "' header line; truncated or another file)");
    }
    String version = header.substring(MAGIC.length() + 1);
    if (!version.equals(String.valueOf(VERSION))) {
      throw new Defect("format version '" + shorten(version) + "', this library reads version " + VERSION);
    }
    // The last line is "end\t<crc>\n" over every byte before it; anything else is a truncated or damaged file.
    if (bytes[bytes.length - 1] != '\n') {
      throw new Defect("truncated (it does not end with a complete line)");
    }
    int lastStart = lastLineStart(bytes);
    String end = new String(bytes, lastStart, bytes.length - 1 - lastStart, StandardCharsets.ISO_8859_1);
    if (!end.startsWith("end\t")) {
      throw new Defect("truncated (no end line)");
    }
    if (!end.substring(4).equals(crcHex(bytes, lastStart))) {
      throw new Defect("corrupt (checksum mismatch)");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, lastStart)).toString();
    } catch (CharacterCodingException e) {
      throw new Defect("corrupt (not UTF-8)");
    }
    int bodyStart = header.length() + 1;
    int confirmedAt = text.indexOf("\nconfirmed\t", bodyStart - 1);
    if (confirmedAt < 0) {
      throw new Defect("corrupt (no confirmation time)");
    }
    if (!text.substring(bodyStart, confirmedAt + 1).equals(identity)) {
      throw new Defect("foreign (it holds the answer to another query or another backend)");
    }
    String[] lines = text.substring(confirmedAt + 1).split("\n", -1);
    // split leaves one empty string after the last line feed
    int n = lines.length - 1;
    if (n < 2 || !lines[n].isEmpty()) {
      throw new Defect("corrupt (truncated body)");
    }
    long confirmed = parseLong(fields(lines[0], "confirmed", 1)[0], "confirmation time");
    int count = (int) Math.min(Integer.MAX_VALUE, parseLong(fields(lines[1], "instances", 1)[0], "instance count"));
    List<ServiceInstance> instances = new ArrayList<>(Math.min(count, 4096));
    int at = 2;
    while (at < n) {
      String[] f = fields(lines[at++], "instance", 6);
      Set<String> tags = new HashSet<>();
      Map<String, String> meta = new HashMap<>();
      Map<String, String> nodeMeta = new HashMap<>();
      while (at < n && !lines[at].startsWith("instance\t")) {
        String l = lines[at++];
        if (l.startsWith("tag\t")) {
          tags.add(fields(l, "tag", 1)[0]);
        } else if (l.startsWith("meta\t")) {
          String[] kv = fields(l, "meta", 2);
          meta.put(kv[0], kv[1]);
        } else if (l.startsWith("node-meta\t")) {
          String[] kv = fields(l, "node-meta", 2);
          nodeMeta.put(kv[0], kv[1]);
        } else {
          throw new Defect("corrupt (unexpected line '" + shorten(l) + "')");
        }
      }
      Health health;
      try {
        health = Health.valueOf(f[5]);
      } catch (IllegalArgumentException e) {
        throw new Defect("corrupt (unknown health '" + shorten(f[5]) + "')");
      }
      instances.add(new ServiceInstance(f[0], f[1], f[2], (int) parseLong(f[3], "port"),
          tags, meta, (int) Math.min(Integer.MAX_VALUE, parseLong(f[4], "weight")), health, nodeMeta));
    }
    if (instances.size() != count) {
      throw new Defect("corrupt (" + instances.size() + " instances where " + count + " were written)");
    }
    return new ReadResult(new Saved(confirmed, List.copyOf(instances)), null);
  }

  // ---- lines and escaping ----

  private static void line(StringBuilder s, String key, String... values) {
    s.append(key);
    for (String v : values) {
      s.append('\t');
      escape(s, v);
    }
    s.append('\n');
  }

  private static void escape(StringBuilder s, String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> s.append("\\\\");
        case '\t' -> s.append("\\t");
        case '\n' -> s.append("\\n");
        case '\r' -> s.append("\\r");
        default -> s.append(c);
      }
    }
  }

  /** The {@code count} unescaped values of a line that must start with {@code key}. */
  private static String[] fields(String line, String key, int count) {
    String[] parts = line.split("\t", -1);
    if (!parts[0].equals(key) || parts.length != count + 1) {
      throw new Defect("corrupt (expected a '" + key + "' line with " + count + " value(s), found '"
          + shorten(line) + "')");
    }
    String[] values = new String[count];
    for (int i = 0; i < count; i++) {
      values[i] = unescape(parts[i + 1]);
    }
    return values;
  }

  private static String unescape(String v) {
    if (v.indexOf('\\') < 0) {
      return v;
    }
    StringBuilder s = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c != '\\') {
        s.append(c);
        continue;
      }
      if (++i == v.length()) {
        throw new Defect("corrupt (a value ends in a lone backslash)");
      }
      switch (v.charAt(i)) {
        case '\\' -> s.append('\\');
        case 't' -> s.append('\t');
        case 'n' -> s.append('\n');
        case 'r' -> s.append('\r');
        default -> throw new Defect("corrupt (unknown escape '\\" + v.charAt(i) + "')");
      }
    }
    return s.toString();
  }

  private static long parseLong(String v, String what) {
    // Digits only (an optional minus for times before 1970 is not ours to write): no '+', no spaces.
    if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      throw new Defect("corrupt (" + what + " '" + shorten(v) + "' is not a number)");
    }
    return Long.parseLong(v);
  }

  private static int indexOf(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Where the line ending at the file's last byte (a line feed) starts. */
  private static int lastLineStart(byte[] bytes) {
    for (int i = bytes.length - 2; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i + 1;
      }
    }
    return 0;
  }

  private static String crcHex(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return String.format("%08x", crc.getValue());
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** A value from a damaged file, cut short and stripped of control characters for a log line. */
  private static String shorten(String v) {
    String cut = v.length() > 40 ? v.substring(0, 40) + "..." : v;
    StringBuilder s = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      s.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.toString();
  }

  /** Why a file is not a usable answer; the message is the reason logged. */
  private static final class Defect extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Defect(String why) {
      super(why, null, false, false);
    }
  }
}
