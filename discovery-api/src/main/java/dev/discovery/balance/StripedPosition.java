package dev.discovery.balance;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A round robin's position without one counter that every thread increments: one counter per stripe, each on
 * its own pair of cache lines, and a thread always uses the stripe its id falls in. Threads on different
 * stripes never write the same line, so two cores picking at once do not bounce it between them.
 *
 * <p>Evenness: a thread alone on its stripe sees consecutive positions, so any window of {@code n} picks of
 * that thread over {@code n} instances visits each instance exactly once. Threads sharing a stripe share its
 * sequence, which is still even over their picks together. Stripes start far apart so that threads that each
 * make only a few picks do not all begin on the first instance. Thread ids are handed out in sequence, so the
 * first threads of a pool land on distinct stripes.
 */
final class StripedPosition {
  /** 32 ints = 128 bytes: a cache line and the neighbour the adjacent-line prefetcher pulls in with it. */
  private static final int PAD = 32;
  private static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());
  private final AtomicIntegerArray cells = new AtomicIntegerArray((STRIPES + 1) * PAD);

  StripedPosition() {
    for (int i = 0; i < STRIPES; i++) {
      cells.set(cell(i), i * 0x9E3779B9 & Integer.MAX_VALUE); // golden-ratio spacing: far apart for any n
    }
  }

  /** Twice the processors, rounded up to a power of two, so that a full set of busy threads rarely collide. */
  static int stripes(int processors) {
    int wanted = Math.max(2, processors * 2);
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  /** The next position for the calling thread, never negative; allocation-free. */
  int next() {
    return cells.getAndIncrement(cell(stripeOf(Thread.currentThread()))) & Integer.MAX_VALUE;
  }

  /** The stripe {@code thread} uses; for tests that need threads on distinct stripes. */
  static int stripeOf(Thread thread) {
    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; getId() is the same number on 17
    long id = thread.getId();
    return (int) id & (STRIPES - 1);
  }

  /** The first stripe's cell sits one pad in, so no stripe shares a line with the array's header. */
  private static int cell(int stripe) {
    return (stripe + 1) * PAD;
  }
}
