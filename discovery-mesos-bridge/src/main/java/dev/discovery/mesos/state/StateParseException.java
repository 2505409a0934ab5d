package dev.discovery.mesos.state;

/** The master state document is not what Mesos sends: names the JSON path and what was wrong. */
public final class StateParseException extends Exception {
  private final String path;

  /** Creates an exception for the value at {@code path} (e.g. {@code frameworks[0].tasks[2].state}). */
  public StateParseException(String path, String problem) {
    super("bad Mesos state at " + path + ": " + problem);
    this.path = path;
  }

  /** Creates an exception for a body that is not JSON at all. */
  public StateParseException(String problem, Throwable cause) {
    super("bad Mesos state: " + problem, cause);
    this.path = "$";
  }

  /** The JSON path of the offending value, {@code $} for the whole document. */
  public String path() {
    return path;
  }
}
