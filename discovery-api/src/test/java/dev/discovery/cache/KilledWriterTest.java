package dev.discovery.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.SnapshotFormat.ReadResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed (SIGKILL, no shutdown hook) while it writes persisted answers in a tight loop leaves every
 * answer file complete and valid, and nothing that could be taken for one: the write is atomic. Repeated a few
 * times, killing at a different moment each time (after a random number of writes).
 */
class KilledWriterTest {
  private static final int ROUNDS = 5;

  @TempDir
  Path dir;

  @Test
  void aWriterKilledMidWriteLeavesOnlyCompleteAnswers() throws Exception {
    Map<String, ServiceQuery> byName = new HashMap<>();
    for (ServiceQuery q : SnapshotWriterMain.QUERIES) {
      byName.put(SnapshotFormat.fileName(SnapshotFormat.identity(SnapshotWriterMain.BACKEND, q), q), q);
    }
    java.util.Random random = new java.util.Random();
    for (int round = 0; round < ROUNDS; round++) {
      killWhileWriting(20 + random.nextInt(200));
      SnapshotStore store = new SnapshotStore(dir, SnapshotWriterMain.BACKEND);
      for (ServiceQuery q : SnapshotWriterMain.QUERIES) {
        ReadResult r = store.read(q);
        assertThat(r.ignored()).as("round %d, %s", round, q).isNull();
        assertThat(r.saved()).as("round %d: every query was written before the kill", round).isNotNull();
        long generation = r.saved().confirmedMillis();
        assertThat(r.saved().instances()).as("round %d, %s: the whole answer of one generation", round, q)
            .isEqualTo(SnapshotWriterMain.answer(q, generation));
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          String name = f.getFileName().toString();
          if (name.endsWith(SnapshotFormat.SUFFIX)) {
            assertThat(byName).as("round %d: an answer file of a known query", round).containsKey(name);
          } else {
            // Only a temporary file can be left, and it can never be read as an answer: no query's file has its name.
            assertThat(name).as("round %d: a leftover", round)
                .startsWith(SnapshotStore.TEMP_PREFIX).endsWith(SnapshotStore.TEMP_SUFFIX);
            assertThat(byName).doesNotContainKey(name);
          }
        }
      }
    }
    // Leftovers a killed writer left behind are cleaned up once they are old enough not to be anyone's write.
    SnapshotStore store = new SnapshotStore(dir, SnapshotWriterMain.BACKEND);
    store.removeLeftovers(System.currentTimeMillis() + TimeUnit.HOURS.toMillis(1), TimeUnit.MINUTES.toMillis(10));
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.endsWith(SnapshotFormat.SUFFIX));
    }
  }

  /** Starts a writer, lets it complete at least {@code writes} writes, and kills it without warning. */
  private void killWhileWriting(int writes) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        SnapshotWriterMain.class.getName(), dir.toString());
    pb.redirectErrorStream(true);
    Process child = pb.start();
    AtomicLong written = new AtomicLong(-1);
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.startsWith("written ")) {
            written.set(Long.parseLong(line.substring(8)));
          } else if (output.length() < 4000) {
            output.append(line).append('\n');
          }
        }
      } catch (Exception e) {
        // the child was killed: its output ends
      }
    }, "killed-writer-output");
    reader.setDaemon(true);
    reader.start();
    try {
      Await.until("the writer to complete " + writes + " writes (its output: " + output + ")", Duration.ofSeconds(60),
          () -> written.get() >= writes || !child.isAlive());
      assertThat(child.isAlive()).as("the writer is still writing; its output: %s", output).isTrue();
    } finally {
      child.destroyForcibly(); // SIGKILL on Unix: no shutdown hook, no finally block runs in the child
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the writer died").isTrue();
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
  }
}
