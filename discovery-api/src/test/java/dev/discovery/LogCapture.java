package dev.discovery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Captures what this library logs through SLF4J (bound to java.util.logging in tests, as in
 * discovery-consul's TokenNeverLoggedIntegrationTest) at INFO and above, until closed.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger = Logger.getLogger("dev.discovery");
  private final Level previous = logger.getLevel();
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  /** Starts capturing. */
  public LogCapture() {
    handler.setLevel(Level.INFO);
    logger.setLevel(Level.INFO);
    logger.addHandler(handler);
  }

  /** The captured records at exactly {@code level} (java.util.logging's: WARNING is SLF4J's WARN). */
  public List<LogRecord> at(Level level) {
    return records.stream().filter(r -> r.getLevel().equals(level)).collect(Collectors.toList());
  }

  /** Every captured record, formatted, for assertion messages. */
  public String describe() {
    return records.stream().map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage())
        .collect(Collectors.joining("\n"));
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
    logger.setLevel(previous);
  }
}
