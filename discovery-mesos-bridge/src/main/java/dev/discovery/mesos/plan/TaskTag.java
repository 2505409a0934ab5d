package dev.discovery.mesos.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code --task-tag=pattern:tag[,tag...]} rule: tasks whose sanitised name contains the pattern
 * (case-insensitive) get the tags.
 */
public record TaskTag(String pattern, List<String> tags) {
  /** Creates a rule; the pattern is kept lower-case. */
  public TaskTag {
    pattern = pattern.toLowerCase(Locale.ROOT);
    tags = List.copyOf(tags);
  }

  /**
   * Parses {@code pattern:tag[,tag...]}.
   *
   * @throws IllegalArgumentException unless there is exactly one colon and at least one tag
   */
  public static TaskTag parse(String spec) {
    int colon = spec.indexOf(':');
    if (colon < 0 || spec.indexOf(':', colon + 1) >= 0) {
      throw new IllegalArgumentException("\"" + spec + "\" must be pattern:tag[,tag...] with exactly one colon");
    }
    String pattern = spec.substring(0, colon).trim();
    List<String> tags = new ArrayList<>();
    for (String t : spec.substring(colon + 1).split(",")) {
      if (!t.trim().isEmpty()) {
        tags.add(t.trim());
      }
    }
    if (pattern.isEmpty() || tags.isEmpty()) {
      throw new IllegalArgumentException("\"" + spec + "\" needs a non-empty pattern and at least one tag");
    }
    return new TaskTag(pattern, tags);
  }

  /** Whether the rule applies to this sanitised task name. */
  public boolean matches(String sanitizedName) {
    return sanitizedName.toLowerCase(Locale.ROOT).contains(pattern);
  }
}
