package dev.discovery.mesos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared Mesos fixtures by walking up from the working directory to {@code shared/fixtures}. */
public final class Fixtures {
  public static final String MESOS_1_8 = "dcos-net_l4lb-poller_state_mesos-1.8.0.json";
  public static final String MESOS_1_0 = "dcos-net_dns_state6_mesos-1.0.0.json";
  public static final String FAKE = "mesos-dns_factories_fake.json";
  public static final String ZK_INFO = "zk-json.info_0000000001.EXAMPLE.json";

  private Fixtures() {}

  public static Path mesosDir() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared/fixtures/mesos");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      Path sibling = d.resolveSibling("shared").resolve("fixtures/mesos");
      if (Files.isDirectory(sibling)) {
        return sibling;
      }
    }
    throw new IllegalStateException("shared/fixtures/mesos not found above " + dir
        + "; check out the shared directory beside the repository");
  }

  public static byte[] mesos(String name) {
    try {
      return Files.readAllBytes(mesosDir().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String mesosText(String name) {
    return new String(mesos(name), java.nio.charset.StandardCharsets.UTF_8);
  }
}
