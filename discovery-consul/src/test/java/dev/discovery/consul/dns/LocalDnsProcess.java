package dev.discovery.consul.dns;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real DNS server (BIND's {@code named}, dnsmasq) run by a test on an ephemeral loopback port: finding the
 * binary, starting it, waiting until it answers, stopping it. Shared by the tests that cross-check the DNS
 * backend against software we did not write.
 */
final class LocalDnsProcess implements AutoCloseable {
  private final Process process;
  private final InetSocketAddress address;
  private final Path log;

  private LocalDnsProcess(Process process, InetSocketAddress address, Path log) {
    this.process = process;
    this.address = address;
    this.log = log;
  }

  /** Where it listens (UDP and TCP). */
  InetSocketAddress address() {
    return address;
  }

  /** What it wrote to stdout and stderr so far. */
  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
  }

  /**
   * The binary: {@code -D<property>=PATH} when set (a missing path gives null, to show the skip), else
   * {@code name} on the PATH, else the first executable of {@code fallbacks}; null when there is none.
   */
  static Path find(String property, String name, String... fallbacks) {
    String chosen = System.getProperty(property);
    if (chosen != null) {
      return Files.isExecutable(Path.of(chosen)) ? Path.of(chosen) : null;
    }
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        candidates.add(Path.of(d, name));
      }
    }
    for (String f : fallbacks) {
      candidates.add(Path.of(f));
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
  }

  /** A loopback port free for both UDP and TCP at the time of asking. */
  static int freePort() throws IOException {
    try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
      return tcp.getLocalPort();
    }
  }

  /**
   * Starts {@code command.apply(port)} in {@code work} on a free port and waits until it answers NOERROR to an SOA
   * question for {@code probe}; tries other ports when it does not (the port may have been taken meanwhile).
   */
  static LocalDnsProcess start(String what, Path work, IntFunction<List<String>> command, Name probe)
      throws Exception {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      Path log = work.resolve(what + "-" + attempt + ".log");
      Process process = new ProcessBuilder(command.apply(port))
          .directory(work.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      LocalDnsProcess started =
          new LocalDnsProcess(process, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), log);
      try {
        started.awaitReady(what, probe);
        return started;
      } catch (IOException e) {
        last = e;
        started.close();
      }
    }
    throw last;
  }

  private void awaitReady(String what, Name probe) throws Exception {
    SimpleResolver resolver = new SimpleResolver(address);
    resolver.setTimeout(Duration.ofMillis(300));
    Message question = Message.newQuery(Record.newRecord(probe, Type.SOA, DClass.IN));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(what + " exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        if (resolver.send(question).getRcode() == Rcode.NOERROR) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      // A poll for a process we cannot be notified by; each probe also waits up to its own time-out.
      Thread.sleep(50);
    }
    throw new IOException(what + " did not answer on " + address + " within 20 s:\n" + log());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
