package dev.discovery.cache;

import static dev.discovery.cache.FakeBackend.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.FakeTicker;
import dev.discovery.InvalidQueryException;
import dev.discovery.LogCapture;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.cache.SnapshotFormat.ReadResult;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Persisted last good answers ({@link CachingDiscovery.Builder#persistTo}) over a fake backend: what is written
 * when, the cold start that serves the file while the registry cannot be reached, its bounds, and the files it
 * must ignore without failing. Ages: the file's on a {@link ManualClock}, the served answer's on a
 * {@link FakeTicker}, so every age is exact.
 */
class PersistedAnswerTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  private static final long T0 = 1_733_130_000_000L;
  private static final Duration BOUND = Duration.ofMinutes(30);

  @TempDir
  Path dir;
  private final FakeTicker ticker = new FakeTicker();
  private final ManualClock clock = new ManualClock(T0);
  private final List<CachingDiscovery> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(CachingDiscovery::close);
  }

  private CachingDiscovery open(FakeBackend backend, java.util.function.Consumer<CachingDiscovery.Builder> more) {
    CachingDiscovery.Builder b = CachingDiscovery.builder(backend).ticker(ticker).clock(clock).persistTo(dir)
        .maxStaleness(Duration.ofMinutes(10)).maxDiskStaleness(BOUND);
    more.accept(b);
    CachingDiscovery d = b.build();
    opened.add(d);
    return d;
  }

  private CachingDiscovery open(FakeBackend backend) {
    return open(backend, b -> {});
  }

  private static List<ServiceInstance> two() {
    return List.of(instance("web", 1), instance("web", 2));
  }

  /** Writes {@code instances} as the file a process would have left, confirmed {@code ago} before now. */
  private void persisted(FakeBackend backend, ServiceQuery query, List<ServiceInstance> instances, Duration ago)
      throws IOException {
    new SnapshotStore(dir, backend.identity()).write(query, clock.millis() - ago.toMillis(), instances);
  }

  private ReadResult file(FakeBackend backend, ServiceQuery query) {
    return new SnapshotStore(dir, backend.identity()).read(query);
  }

  /** Starts the first load of {@code query} and fails it as an unreachable agent would. */
  private CompletableFuture<List<ServiceInstance>> coldStartUnreachable(
      CachingDiscovery discovery, FakeBackend backend, ServiceQuery query) {
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(query);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.pushError(new ConnectException("Connection refused"));
    return first;
  }

  @Test
  void anAnswerWrittenByOneProcessServesTheNextOneStartingDuringAnOutageWithItsRealAge() throws Exception {
    FakeBackend before = new FakeBackend(true);
    CachingDiscovery first = open(before);
    CompletableFuture<List<ServiceInstance>> load = first.instancesAsync(WEB);
    Await.until("the watch to start", () -> before.listeners.size() == 1);
    before.push(two());
    load.get(10, TimeUnit.SECONDS);
    Await.until("the answer to be persisted", () -> file(before, WEB).saved() != null);
    assertThat(file(before, WEB).saved().confirmedMillis()).isEqualTo(T0);
    first.close();

    clock.advance(Duration.ofMinutes(7)); // the process was down for 7 minutes
    FakeBackend after = new FakeBackend(true);
    CachingDiscovery second = open(after);
    List<ServiceInstance> served = coldStartUnreachable(second, after, WEB).get(10, TimeUnit.SECONDS);

    assertThat(served).isEqualTo(two());
    assertThat(second.instances(WEB)).isEqualTo(two());
    ServiceSnapshot s = second.snapshot(WEB);
    assertThat(s.fromDisk()).isTrue();
    assertThat(s.stale()).isTrue();
    assertThat(s.age()).isEqualTo(Duration.ofMinutes(7));
    assertThat(s.lastError()).isEqualTo("Connection refused");
    ticker.advance(Duration.ofSeconds(5));
    assertThat(second.snapshot(WEB).age()).as("and it keeps ageing").isEqualTo(Duration.ofMinutes(7).plusSeconds(5));

    // The watch went on; the registry's first answer replaces the persisted one.
    after.push(List.of(instance("web", 3)));
    ServiceSnapshot live = second.snapshot(WEB);
    assertThat(live.instances()).containsExactly(instance("web", 3));
    assertThat(live.fromDisk()).isFalse();
    assertThat(live.stale()).isFalse();
    assertThat(live.age()).isEqualTo(Duration.ZERO);
    Await.until("the live answer to be persisted", () -> file(after, WEB).saved() != null
        && file(after, WEB).saved().instances().equals(List.of(instance("web", 3))));
  }

  @Test
  void subscribersGetTheAnswerFromDiskFirstThenTheLiveOne() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    persisted(backend, WEB, two(), Duration.ofMinutes(1));
    CachingDiscovery discovery = open(backend);
    List<List<ServiceInstance>> heard = new CopyOnWriteArrayList<>();
    Subscription sub = discovery.subscribe(WEB, heard::add);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.pushError(new ConnectException("Connection refused"));
    Await.until("the answer from disk to reach the subscriber", () -> heard.size() == 1);
    backend.push(List.of(instance("web", 9)));
    Await.until("the live answer to reach the subscriber", () -> heard.size() == 2);
    assertThat(heard).containsExactly(two(), List.of(instance("web", 9)));
    sub.close();
  }

  @Test
  void aQueryTheRegistryRejectsIsNeverAnsweredFromDisk() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    persisted(backend, WEB, two(), Duration.ofMinutes(1));
    CachingDiscovery discovery = open(backend);
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.pushError(new InvalidQueryException("web", "fake-backend", "the agent refused the ACL token", null));
    assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidQueryException.class);
    assertThatThrownBy(() -> discovery.instances(WEB)).isInstanceOf(InvalidQueryException.class);
  }

  @Test
  void aFileOlderThanTheDiskBoundIsNotServed() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    persisted(backend, WEB, two(), BOUND.plusMillis(1));
    try (LogCapture log = new LogCapture()) {
      CachingDiscovery discovery = open(backend);
      CompletableFuture<List<ServiceInstance>> first = coldStartUnreachable(discovery, backend, WEB);
      assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RegistryUnavailableException.class);
      assertThat(log.at(Level.INFO)).extracting(LogRecord::getMessage)
          .anyMatch(m -> m.contains("beyond the maximum disk staleness"));
    }
  }

  @Test
  void aFileExactlyAtTheBoundIsServedAndRefusedOnceItGrowsPastIt() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    persisted(backend, WEB, two(), BOUND.minusMinutes(1));
    CachingDiscovery discovery = open(backend);
    coldStartUnreachable(discovery, backend, WEB).get(10, TimeUnit.SECONDS);

    ticker.advance(Duration.ofMinutes(1));
    assertThat(discovery.instances(WEB)).as("at the bound").isEqualTo(two());
    ticker.advanceNanos(1);
    assertThatThrownBy(() -> discovery.instances(WEB)).isInstanceOf(RegistryUnavailableException.class)
        .satisfies(e -> assertThat(((RegistryUnavailableException) e).staleness()).isEqualTo(BOUND.plusNanos(1)));
  }

  @Test
  void withoutABoundOfItsOwnTheDiskAnswerHasTheMaximumStaleness() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    persisted(backend, WEB, two(), Duration.ofSeconds(59));
    persisted(backend, WEB.withTags("old"), two(), Duration.ofSeconds(61));
    CachingDiscovery.Builder b = CachingDiscovery.builder(backend).ticker(ticker).clock(clock).persistTo(dir)
        .maxStaleness(Duration.ofMinutes(1));
    CachingDiscovery discovery = b.build();
    opened.add(discovery);
    assertThat(coldStartUnreachable(discovery, backend, WEB).get(10, TimeUnit.SECONDS)).isEqualTo(two());

    backend.listeners.clear();
    CompletableFuture<List<ServiceInstance>> old = coldStartUnreachable(discovery, backend, WEB.withTags("old"));
    assertThatThrownBy(() -> old.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(RegistryUnavailableException.class);
  }

  @Test
  void aDamagedFileIsOneWarningNamingItAndTheLookupFailsAsWithout() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    Path file = new SnapshotStore(dir, backend.identity()).fileFor(WEB);
    Files.write(file, "discovery-snapshot\t1\nbackend\tfake-backend\nquery.serv".getBytes(StandardCharsets.UTF_8));
    try (LogCapture log = new LogCapture()) {
      CachingDiscovery discovery = open(backend);
      CompletableFuture<List<ServiceInstance>> first = coldStartUnreachable(discovery, backend, WEB);
      assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RegistryUnavailableException.class);
      List<String> warnings = log.at(Level.WARNING).stream().map(LogRecord::getMessage)
          .filter(m -> m.contains("persisted answer")).toList();
      assertThat(warnings).as(log.describe()).hasSize(1);
      assertThat(warnings.get(0)).contains(file.toString()).contains("truncated");

      // The registry answering later still works, and overwrites the damaged file.
      backend.push(two());
      assertThat(discovery.instances(WEB)).isEqualTo(two());
      Await.until("the damaged file to be replaced", () -> file(backend, WEB).saved() != null);
    }
  }

  @Test
  void aMissingFileIsSilent() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    try (LogCapture log = new LogCapture()) {
      CachingDiscovery discovery = open(backend);
      CompletableFuture<List<ServiceInstance>> first = coldStartUnreachable(discovery, backend, WEB);
      assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RegistryUnavailableException.class);
      assertThat(log.at(Level.WARNING)).extracting(LogRecord::getMessage)
          .noneMatch(m -> m.contains("persisted"));
    }
  }

  @Test
  void anotherClusterSharingTheDirectoryNeverReadsThisOnesFile() throws Exception {
    FakeBackend ours = new FakeBackend(true);
    persisted(ours, WEB, two(), Duration.ofMinutes(1));
    FakeBackend theirs = new FakeBackend(true);
    theirs.identity = "fake-backend of another cluster";
    CachingDiscovery discovery = open(theirs);
    CompletableFuture<List<ServiceInstance>> first = coldStartUnreachable(discovery, theirs, WEB);
    assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(RegistryUnavailableException.class);
  }

  @Test
  void anUnwritableDirectoryIsOneWarningAndLookupsGoOn() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("a-file"), "x");
    FakeBackend backend = new FakeBackend(true);
    try (LogCapture log = new LogCapture()) {
      CachingDiscovery discovery = open(backend, b -> b.persistTo(notADirectory));
      CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
      Await.until("the watch to start", () -> backend.listeners.size() == 1);
      backend.push(two());
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(two());
      backend.push(List.of(instance("web", 1)));
      backend.push(List.of(instance("web", 2)));
      Await.until("the write failure to be reported", () -> log.at(Level.WARNING).stream()
          .anyMatch(r -> r.getMessage().contains("cannot persist")));
      assertThat(discovery.instances(WEB)).containsExactly(instance("web", 2));
      discovery.close(); // waits for the writes already scheduled
      assertThat(log.at(Level.WARNING).stream().filter(r -> r.getMessage().contains("cannot persist")).count())
          .as(log.describe()).isEqualTo(1);
    }
  }

  @Test
  void anUnchangedAnswerIsWrittenAgainOnlyOnceItsFileIsAQuarterOfTheBoundOld() throws Exception {
    FakeBackend backend = new FakeBackend(true);
    ServiceQuery api = ServiceQuery.of("api");
    CachingDiscovery discovery = open(backend);
    CompletableFuture<List<ServiceInstance>> first = discovery.instancesAsync(WEB);
    Await.until("the watch to start", () -> backend.listeners.size() == 1);
    backend.push(two());
    first.get(10, TimeUnit.SECONDS);
    Await.until("the first answer to be persisted", () -> file(backend, WEB).saved() != null);

    clock.advance(BOUND.dividedBy(4).minusMillis(1));
    backend.push(two()); // unchanged: not written
    // The persistence thread writes in order: once api's file is there, any write of web's before it is done.
    CompletableFuture<List<ServiceInstance>> apiLoad = discovery.instancesAsync(api);
    Await.until("api's watch to start", () -> backend.listeners.size() == 2);
    backend.listeners.get(1).onAnswer(dev.discovery.spi.Answer.of(List.of(instance("api", 1))));
    apiLoad.get(10, TimeUnit.SECONDS);
    Await.until("api's answer to be persisted", () -> file(backend, api).saved() != null);
    assertThat(file(backend, WEB).saved().confirmedMillis()).as("web's file untouched").isEqualTo(T0);

    clock.advance(Duration.ofMillis(1));
    backend.listeners.get(0).onAnswer(dev.discovery.spi.Answer.of(two())); // unchanged, but the file is due
    long due = T0 + BOUND.dividedBy(4).toMillis();
    Await.until("web's file to be confirmed again", () -> file(backend, WEB).saved().confirmedMillis() == due);

    backend.listeners.get(0).onAnswer(dev.discovery.spi.Answer.of(List.of(instance("web", 5)))); // changed
    Await.until("the change to be persisted at once", () -> file(backend, WEB).saved().instances()
        .equals(List.of(instance("web", 5))));
  }
}
