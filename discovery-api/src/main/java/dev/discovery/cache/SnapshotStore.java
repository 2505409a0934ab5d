package dev.discovery.cache;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.SnapshotFormat.ReadResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The directory of persisted answers of one backend: one file per query, written atomically, read back strictly.
 * Does the file I/O only; what to write when, and what to log, is {@link Persistence}'s.
 *
 * <p>A write goes to a temporary file in the same directory (named {@code .tmp-*.partial}, so never mistaken for
 * an answer), is forced to disk, then renamed over the query's file in one atomic step, and the directory is
 * forced too where the file system allows it. A process killed at any point leaves the previous complete file or
 * the new complete file, plus at worst a temporary file that {@link #removeLeftovers} deletes later.
 */
final class SnapshotStore {
  static final String TEMP_PREFIX = ".tmp-";
  static final String TEMP_SUFFIX = ".partial";

  private final Path directory;
  private final String backend;

  /**
   * @param backend the backend's identity ({@link dev.discovery.spi.DiscoveryBackend#identity()}): part of every
   *     file's name and content, so that two backends or clusters sharing a directory never read each other's
   */
  SnapshotStore(Path directory, String backend) {
    this.directory = directory;
    this.backend = backend;
  }

  Path directory() {
    return directory;
  }

  /** The file holding {@code query}'s persisted answer. */
  Path fileFor(ServiceQuery query) {
    return directory.resolve(SnapshotFormat.fileName(SnapshotFormat.identity(backend, query), query));
  }

  /** Replaces {@code query}'s file with {@code instances} confirmed at {@code confirmedMillis}, atomically. */
  void write(ServiceQuery query, long confirmedMillis, List<ServiceInstance> instances) throws IOException {
    String identity = SnapshotFormat.identity(backend, query);
    byte[] bytes = SnapshotFormat.encode(identity, confirmedMillis, instances);
    Files.createDirectories(directory);
    Path target = directory.resolve(SnapshotFormat.fileName(identity, query));
    Path temp = Files.createTempFile(directory, TEMP_PREFIX, TEMP_SUFFIX);
    boolean moved = false;
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true); // the bytes are on disk before the name points at them
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
    forceDirectory();
  }

  /** So that the rename itself survives a power cut; file systems and platforms that cannot do it (Windows) skip. */
  private void forceDirectory() {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not possible here; the rename is still atomic, only its durability across a power cut is weaker.
    }
  }

  /** Reads {@code query}'s file back. Never throws: a missing file is {@link ReadResult#MISSING}. */
  ReadResult read(ServiceQuery query) {
    return read(fileFor(query), SnapshotFormat.identity(backend, query));
  }

  /** Reads one file, expecting {@code identity}; for {@link #read(ServiceQuery)} and tests of whole directories. */
  static ReadResult read(Path file, String identity) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(SnapshotFormat.MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return ReadResult.MISSING;
    } catch (IOException | RuntimeException e) {
      return ReadResult.ignored("unreadable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
    return SnapshotFormat.decode(bytes, identity);
  }

  /**
   * Deletes temporary files that a process killed mid-write left behind, when older than {@code olderThanMillis}
   * (younger ones may belong to another process writing into the same directory right now). Best effort.
   */
  void removeLeftovers(long nowMillis, long olderThanMillis) {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (DirectoryStream<Path> temps = Files.newDirectoryStream(directory, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
      for (Path temp : temps) {
        try {
          if (nowMillis - Files.getLastModifiedTime(temp).toMillis() > olderThanMillis) {
            Files.deleteIfExists(temp);
          }
        } catch (IOException e) {
          // another process removed or renamed it meanwhile, or it is not ours to delete
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a leftover costs a little disk space, nothing else
    }
  }
}
