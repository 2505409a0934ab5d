package dev.discovery.consul.http;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads OkHttp runs the backend's asynchronous calls on. OkHttp's I/O is blocking, so a blocking query
 * that the agent holds for minutes occupies its thread all that time. On Java 24 and later the calls run on
 * virtual threads, which a waiting socket read does not pin to a carrier (monitors no longer pin since JEP 491):
 * a hundred parked watches then hold no platform thread. Before that they run on pooled daemon threads, one per
 * outstanding call, which idle out a minute after the call.
 */
final class CallThreads {
  /** The first Java release whose virtual threads do not pin a carrier inside {@code synchronized}. */
  static final int VIRTUAL_FROM = 24;

  private CallThreads() {}

  static boolean virtual() {
    return Runtime.version().feature() >= VIRTUAL_FROM;
  }

  /** A factory of threads named {@code prefix} followed by a counter. */
  static ThreadFactory named(String prefix) {
    if (virtual()) {
      try {
        // Reflection: the library is compiled for Java 17, which has no Thread.ofVirtual().
        Class<?> builder = Class.forName("java.lang.Thread$Builder");
        Object ofVirtual = Thread.class.getMethod("ofVirtual").invoke(null);
        Object named = builder.getMethod("name", String.class, long.class).invoke(ofVirtual, prefix, 1L);
        return (ThreadFactory) builder.getMethod("factory").invoke(named);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // a runtime without virtual threads after all: platform threads below
      }
    }
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
