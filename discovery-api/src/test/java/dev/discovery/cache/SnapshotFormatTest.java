package dev.discovery.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Health;
import dev.discovery.HealthFilter;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.SnapshotFormat.ReadResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The persisted-answer format: every field survives a round trip, every query field and the backend make a file
 * of their own, and the reader turns every damaged or foreign file into "ignored" without ever throwing
 * (property-style, over seeded random damage, so a failure is reproducible from the seed in its message).
 */
class SnapshotFormatTest {
  private static final String BACKEND = "consul-http http://127.0.0.1:8500 dc=null";
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  private static final long CONFIRMED = 1_733_130_000_123L;

  static List<ServiceInstance> answer() {
    return List.of(
        new ServiceInstance("web-1", "web", "10.0.0.1", 8080, Set.of("v1", "tab\there", "back\\slash"),
            Map.of("version", "1.2.3", "multi", "line\nbreak\r\n", "empty", ""), 5, Health.PASSING,
            Map.of("rack", "r1", "zone", "eu-1a")),
        new ServiceInstance("web-2", "web", "fe80::1", 9090, Set.of(), Map.of(), 1, Health.WARNING),
        new ServiceInstance("web-3 ünïcødé", "web", "host.example", 1, Set.of("ü"), Map.of("k", "✓"), 1,
            Health.UNKNOWN, Map.of()));
  }

  private static byte[] file(ServiceQuery query, List<ServiceInstance> instances) {
    return SnapshotFormat.encode(SnapshotFormat.identity(BACKEND, query), CONFIRMED, instances);
  }

  private static ReadResult read(byte[] bytes, ServiceQuery query) {
    return SnapshotFormat.decode(bytes, SnapshotFormat.identity(BACKEND, query));
  }

  @Test
  void everyFieldOfEveryInstanceSurvivesARoundTrip() {
    ReadResult r = read(file(WEB, answer()), WEB);
    assertThat(r.ignored()).isNull();
    assertThat(r.saved().confirmedMillis()).isEqualTo(CONFIRMED);
    assertThat(r.saved().instances()).isEqualTo(answer()); // records: every component, nodeMeta included
  }

  @Test
  void anEmptyAnswerIsAnAnswer() {
    ReadResult r = read(file(WEB, List.of()), WEB);
    assertThat(r.ignored()).isNull();
    assertThat(r.saved().instances()).isEmpty();
  }

  /** One query per field of ServiceQuery (and the backend), each differing from the base in that field only. */
  static List<ServiceQuery> queriesDifferingInOneField() {
    return List.of(
        WEB,
        ServiceQuery.of("api"),
        ServiceQuery.preparedQuery("web"),
        WEB.withTags("v1"),
        WEB.withAnyTag("v1"),
        WEB.withServiceMeta("version", "1"),
        WEB.withNodeMeta("version", "1"),
        WEB.withFilter("Service.Meta.version == \"1\""),
        WEB.near("_agent"),
        WEB.inDatacenter("dc2"),
        WEB.withFailover("dc2"),
        WEB.withFailover("dc2", "dc3"),
        WEB.withFailover("dc3", "dc2"),
        WEB.withFailover("dc2").withMinHealthy(2),
        WEB.withHealth(HealthFilter.PASSING_OR_WARNING));
  }

  @Test
  void everyQueryFieldAndTheBackendGetAFileOfTheirOwnAndReadOthersAsForeign() {
    List<ServiceQuery> queries = queriesDifferingInOneField();
    Set<String> names = new HashSet<>();
    for (ServiceQuery q : queries) {
      assertThat(names.add(SnapshotFormat.fileName(SnapshotFormat.identity(BACKEND, q), q)))
          .as("a file name of its own for %s", q).isTrue();
      assertThat(names.add(SnapshotFormat.fileName(SnapshotFormat.identity("consul-http http://other:8500", q), q)))
          .as("a file name of its own for %s on another backend", q).isTrue();
      for (ServiceQuery other : queries) {
        ReadResult r = read(file(q, answer()), other);
        if (other.equals(q)) {
          assertThat(r.saved()).as("%s read as itself", q).isNotNull();
        } else {
          assertThat(r.ignored()).as("%s read as %s", q, other).startsWith("foreign");
        }
      }
      byte[] ours = file(q, answer());
      assertThat(SnapshotFormat.decode(ours, SnapshotFormat.identity("consul-dns 127.0.0.1:8600", q)).ignored())
          .startsWith("foreign");
    }
  }

  @Test
  void theNameIsStableAndReadable() {
    String a = SnapshotFormat.fileName(SnapshotFormat.identity(BACKEND, WEB.withTags("b", "a")), WEB);
    String b = SnapshotFormat.fileName(SnapshotFormat.identity(BACKEND, WEB.withTags("a").withTags("b")), WEB);
    assertThat(a).isEqualTo(b).startsWith("q-web-").endsWith(SnapshotFormat.SUFFIX).matches("[A-Za-z0-9_.-]+");
    ServiceQuery odd = ServiceQuery.of("..\\we:b*");
    assertThat(SnapshotFormat.fileName(SnapshotFormat.identity(BACKEND, odd), odd)).matches("q-[A-Za-z0-9_-]+\\.snapshot");
  }

  @Test
  void theFileCarriesNoTokenBecauseItIsNeverGivenOne() {
    String text = new String(file(WEB, answer()), StandardCharsets.UTF_8);
    assertThat(text).startsWith("discovery-snapshot\t1\nbackend\t" + BACKEND + "\n").contains("\nconfirmed\t")
        .doesNotContainIgnoringCase("token");
  }

  // ---- property-style: damaged input is always ignored, never thrown ----

  private static final int CASES = 2_000;

  @Test
  void everyTruncationIsIgnored() {
    byte[] whole = file(WEB, answer());
    for (int length = 0; length < whole.length; length++) {
      byte[] cut = java.util.Arrays.copyOf(whole, length);
      ReadResult r = read(cut, WEB);
      assertThat(r.ignored()).as("truncated to %d of %d bytes", length, whole.length).isNotNull();
      assertThat(r.saved()).isNull();
    }
  }

  @Test
  void everySingleBitFlipIsIgnored() {
    byte[] whole = file(WEB, answer());
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int i = 0; i < CASES; i++) {
      byte[] flipped = whole.clone();
      int at = random.nextInt(flipped.length);
      int bit = random.nextInt(8);
      flipped[at] ^= (byte) (1 << bit);
      ReadResult r = read(flipped, WEB);
      assertThat(r.ignored()).as("seed %d: bit %d of byte %d flipped", seed, bit, at).isNotNull();
    }
  }

  @Test
  void randomDamageNeverThrowsAndNeverYieldsAnotherAnswer() {
    byte[] whole = file(WEB, answer());
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int i = 0; i < CASES; i++) {
      byte[] damaged = damage(whole, random);
      ReadResult r = read(damaged, WEB); // an exception here fails the test: the reader must never throw
      if (r.saved() != null) {
        // Damage that happened to leave the bytes as they were (or swapped identical bytes) reads as the original.
        assertThat(r.saved().instances()).as("seed %d, case %d", seed, i).isEqualTo(answer());
      } else {
        assertThat(r.ignored()).as("seed %d, case %d", seed, i).isNotBlank();
      }
    }
  }

  private static byte[] damage(byte[] whole, Random random) {
    byte[] b = whole.clone();
    switch (random.nextInt(5)) {
      case 0: { // several random bytes overwritten
        int n = 1 + random.nextInt(8);
        for (int k = 0; k < n; k++) {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
        return b;
      }
      case 1: // truncated anywhere, then maybe padded with garbage
        byte[] cut = java.util.Arrays.copyOf(b, random.nextInt(b.length));
        if (random.nextBoolean()) {
          byte[] padded = java.util.Arrays.copyOf(cut, cut.length + random.nextInt(64));
          for (int k = cut.length; k < padded.length; k++) {
            padded[k] = (byte) random.nextInt(256);
          }
          return padded;
        }
        return cut;
      case 2: { // pure garbage, sometimes behind a valid header
        byte[] garbage = new byte[random.nextInt(4096)];
        random.nextBytes(garbage);
        if (random.nextBoolean()) {
          byte[] header = "discovery-snapshot\t1\n".getBytes(StandardCharsets.US_ASCII);
          byte[] both = java.util.Arrays.copyOf(header, header.length + garbage.length);
          System.arraycopy(garbage, 0, both, header.length, garbage.length);
          return both;
        }
        return garbage;
      }
      case 3: { // a line removed or duplicated
        List<Integer> starts = lineStarts(b);
        int line = random.nextInt(starts.size() - 1);
        int from = starts.get(line);
        int to = starts.get(line + 1);
        byte[] out = new byte[random.nextBoolean() ? b.length - (to - from) : b.length + (to - from)];
        if (out.length < b.length) {
          System.arraycopy(b, 0, out, 0, from);
          System.arraycopy(b, to, out, from, b.length - to);
        } else {
          System.arraycopy(b, 0, out, 0, to);
          System.arraycopy(b, from, out, to, b.length - from);
        }
        return out;
      }
      default: { // two random bytes swapped
        int x = random.nextInt(b.length);
        int y = random.nextInt(b.length);
        byte t = b[x];
        b[x] = b[y];
        b[y] = t;
        return b;
      }
    }
  }

  private static List<Integer> lineStarts(byte[] b) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\n') {
        starts.add(i + 1);
      }
    }
    return starts;
  }

  @Test
  void otherVersionsAreIgnoredSayingSo() {
    for (String version : List.of("0", "2", "99", "1.1", "", "01")) {
      String text = new String(file(WEB, answer()), StandardCharsets.UTF_8)
          .replaceFirst("discovery-snapshot\t1\n", "discovery-snapshot\t" + version + "\n");
      ReadResult r = read(text.getBytes(StandardCharsets.UTF_8), WEB);
      assertThat(r.ignored()).as("version '%s'", version).startsWith("format version '" + version + "'");
    }
  }

  @Test
  void aWellFormedFileWithABadValueIsIgnored() {
    // Re-checksummed, so that only the value is wrong: a port out of range, an unknown health, a bad escape.
    for (String[] edit : new String[][] {
        {"\t8080\t5\tPASSING", "\t70000\t5\tPASSING"},
        {"\t8080\t5\tPASSING", "\t8080\t0\tPASSING"},
        {"\t8080\t5\tPASSING", "\t8080\t5\tHEALTHY"},
        {"\t8080\t5\tPASSING", "\t+8080\t5\tPASSING"},
        {"instances\t3", "instances\t4"},
        {"tag\tv1", "tag\tv\\x1"},
        {"tag\tv1", "tag\tv1\textra"},
        {"tag\tv1", "label\tv1"},
        {"confirmed\t", "confirmed\t-"}}) {
      String text = new String(file(WEB, answer()), StandardCharsets.UTF_8);
      String body = text.substring(0, text.lastIndexOf("end\t")).replaceFirst(
          java.util.regex.Pattern.quote(edit[0]), java.util.regex.Matcher.quoteReplacement(edit[1]));
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
      crc.update(bodyBytes);
      byte[] all = (body + "end\t" + String.format("%08x", crc.getValue()) + "\n").getBytes(StandardCharsets.UTF_8);
      ReadResult r = read(all, WEB);
      assertThat(r.ignored()).as("%s -> %s", edit[0], edit[1]).startsWith("corrupt");
    }
  }
}
