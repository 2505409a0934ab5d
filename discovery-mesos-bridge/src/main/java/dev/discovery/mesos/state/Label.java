package dev.discovery.mesos.state;

import java.util.Objects;

/** One Mesos key/value label, as found on tasks, statuses, discovery info and ports. */
public record Label(String key, String value) {
  /** Creates a label; a missing value is read as the empty string, as Mesos does. */
  public Label {
    Objects.requireNonNull(key, "key");
    value = value == null ? "" : value;
  }
}
