package dev.discovery.consul;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared Consul samples by walking up from the working directory to one holding shared/fixtures. */
public final class Fixtures {
  private Fixtures() {}

  /** The text of {@code shared/fixtures/consul/<name>}. */
  public static String consul(String name) {
    Path file = dir().resolve("consul").resolve(name);
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read fixture " + file, e);
    }
  }

  private static Path dir() {
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path p = start; p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared").resolve("fixtures");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no shared/fixtures directory above " + start
        + "; the Consul samples live in ../shared/fixtures/consul relative to the repository");
  }
}
