package dev.discovery.mesos.bridge;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * The bridge's log lines (slf4j through java.util.logging in tests) as {@code LEVEL message}, with slf4j's
 * {@code {}} placeholders filled in, from the moment it is made until it is closed.
 */
final class CapturedLogs implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getLoggerName() == null || !r.getLoggerName().startsWith("dev.discovery")) {
        return;
      }
      String message = r.getParameters() == null ? r.getMessage()
          : MessageFormatter.arrayFormat(r.getMessage(), r.getParameters()).getMessage();
      lines.add(r.getLevel() + " " + message);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  CapturedLogs() {
    handler.setLevel(Level.ALL);
    Logger.getLogger("").addHandler(handler);
  }

  /** Every line so far. */
  List<String> lines() {
    return List.copyOf(lines);
  }

  /** The lines so far that contain {@code text}. */
  List<String> containing(String text) {
    return lines.stream().filter(l -> l.contains(text)).toList();
  }

  /** The lines so far at {@code level} (e.g. {@code SEVERE} for slf4j's ERROR, {@code WARNING} for WARN). */
  List<String> at(Level level) {
    return lines.stream().filter(l -> l.startsWith(level.getName() + " ")).toList();
  }

  @Override
  public void close() {
    Logger.getLogger("").removeHandler(handler);
  }
}
