package dev.discovery.consul;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A small property runner for the bad-input tests: runs a check over generated inputs, each try from its own
 * seed derived from one run seed, so that a failure names the exact seed to rerun it with
 * ({@code -Ddiscovery.props.seed=N}) and shows the smallest failing input it could find by deleting parts of
 * it. The run seed is fixed by default so CI runs are repeatable; pass another to explore further.
 */
public final class Property {
  /** The run seed; override with {@code -Ddiscovery.props.seed=N}. */
  public static final long SEED = Long.getLong("discovery.props.seed", 20261129L);
  /** Upper bound on the re-runs spent looking for a smaller failing input. */
  private static final int SHRINK_BUDGET = 300;

  /** The check run on each input; any throwable is a failure. */
  @FunctionalInterface
  public interface Check<T> {
    void accept(T input) throws Exception;
  }

  private Property() {}

  /** Runs {@code check} on {@code tries} inputs from {@code generator}; {@code show} renders one for a report. */
  public static <T> void forAll(String name, int tries, Function<Random, T> generator, Function<T, String> show,
      Check<T> check) {
    forAll(name, tries, generator, show, input -> List.of(), check);
  }

  /** As {@link #forAll(String, int, Function, Function, Check)}, for byte inputs, which it shrinks on failure. */
  public static void forAllBytes(String name, int tries, Function<Random, byte[]> generator, Check<byte[]> check) {
    forAll(name, tries, generator, Property::showBytes, Property::smaller, check);
  }

  private static <T> void forAll(String name, int tries, Function<Random, T> generator, Function<T, String> show,
      Function<T, List<T>> smaller, Check<T> check) {
    for (int i = 0; i < tries; i++) {
      long seed = SEED * 1_000_003L + i;
      T input = generator.apply(new Random(seed));
      Throwable failure = failure(check, input);
      if (failure == null) {
        continue;
      }
      T small = input;
      Throwable smallFailure = failure;
      int budget = SHRINK_BUDGET;
      boolean progress = true;
      while (progress && budget > 0) {
        progress = false;
        for (T candidate : smaller.apply(small)) {
          if (--budget < 0) {
            break;
          }
          Throwable f = failure(check, candidate);
          if (f != null && f.getClass() == smallFailure.getClass()) {
            small = candidate;
            smallFailure = f;
            progress = true;
            break;
          }
        }
      }
      throw new AssertionError(name + " failed on try " + (i + 1) + " of " + tries + " (run seed " + SEED
          + "; rerun with -Ddiscovery.props.seed=" + SEED + ")\n  input: " + show.apply(small)
          + (small == input ? "" : "\n  (shrunk from: " + show.apply(input) + ")")
          + "\n  failure: " + smallFailure, smallFailure);
    }
  }

  private static <T> Throwable failure(Check<T> check, T input) {
    try {
      check.accept(input);
      return null;
    } catch (Throwable t) { // StackOverflowError included: that is one of the things looked for
      return t;
    }
  }

  /** Halves, then quarters... of the input removed, largest first, then single bytes from the end. */
  private static List<byte[]> smaller(byte[] in) {
    List<byte[]> out = new ArrayList<>();
    for (int chunk = in.length / 2; chunk >= 1; chunk /= 2) {
      for (int start = 0; start + chunk <= in.length; start += chunk) {
        byte[] c = new byte[in.length - chunk];
        System.arraycopy(in, 0, c, 0, start);
        System.arraycopy(in, start + chunk, c, start, in.length - start - chunk);
        out.add(c);
      }
    }
    return out;
  }

  /** Printable text as is (escaped), otherwise hex; long inputs are cut for the report. */
  public static String showBytes(byte[] b) {
    StringBuilder s = new StringBuilder(b.length + " bytes: ");
    int shown = Math.min(b.length, 600);
    boolean text = true;
    for (int i = 0; i < shown; i++) {
      int c = b[i] & 0xFF;
      if (c < 0x09 || (c > 0x0D && c < 0x20) || c > 0x7E) {
        text = false;
        break;
      }
    }
    for (int i = 0; i < shown; i++) {
      int c = b[i] & 0xFF;
      if (text) {
        s.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : String.valueOf((char) c));
      } else {
        s.append(String.format("%02x", c));
      }
    }
    return s + (shown < b.length ? "..." : "");
  }
}
