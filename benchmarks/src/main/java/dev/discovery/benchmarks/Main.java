package dev.discovery.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The benchmark jar's entry point: JMH's own command line ({@code java -jar benchmarks.jar [regex] [options]}),
 * plus a quick mode. With {@code -Dquick} ({@code java -Dquick -jar benchmarks.jar [regex]}) every option the
 * command line does not set gets a smoke-test value: no fork, one short warm-up and measurement iteration, stop at the first error.
 * The numbers are then indicative only; the mode exists to check in seconds that every benchmark still runs.
 */
public final class Main {
  /** Quick-mode values, each applied only when the command line does not give that option. */
  private static final String[][] QUICK = {
      {"-f", "0"}, {"-foe", "true"}, {"-wi", "1"}, {"-i", "1"}, {"-w", "500ms"}, {"-r", "1s"}};
  private static final Set<String> NO_VALUE = Set.of("-h", "-l", "-lp", "-lprof", "-lrf", "-v");

  private Main() {}

  public static void main(String[] args) throws Exception {
    String[] effective = args;
    if (System.getProperty("quick") != null) {
      effective = withQuickDefaults(args);
      // Without forks, the benchmarks' jvmArgsAppend does not apply: set its one flag here, before the JDK's
      // HTTP server class reads it.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      System.err.println("# quick mode (indicative numbers only): " + String.join(" ", effective));
    }
    org.openjdk.jmh.Main.main(effective);
    // In-process runs (-f 0) may leave a library's non-daemon threads behind; the run is over.
    System.exit(0);
  }

  static String[] withQuickDefaults(String[] args) {
    List<String> given = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("-") && !NO_VALUE.contains(arg)) {
        given.add(arg);
      }
    }
    List<String> out = new ArrayList<>(List.of(args));
    for (String[] option : QUICK) {
      if (!given.contains(option[0])) {
        out.add(option[0]);
        out.add(option[1]);
      }
    }
    return out.toArray(new String[0]);
  }
}
