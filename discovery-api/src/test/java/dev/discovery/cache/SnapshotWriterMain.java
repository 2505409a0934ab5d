package dev.discovery.cache;

import dev.discovery.Health;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The child process of {@link KilledWriterTest}: writes persisted answers into a directory in a tight loop until
 * it is killed, printing a line after each write so the parent knows it is under way. Each answer of generation
 * {@code g} has {@code g % 50 + 1} large instances, all marked with {@code g}: a file mixing two generations, or with
 * fewer instances than its marker says, would show a write that was not atomic.
 */
public final class SnapshotWriterMain {
  static final String BACKEND = "killed-writer-test";
  static final List<ServiceQuery> QUERIES = List.of(ServiceQuery.of("web"), ServiceQuery.of("api").withTags("v2"),
      ServiceQuery.of("db").inDatacenter("dc2"));

  private SnapshotWriterMain() {}

  public static void main(String[] args) throws Exception {
    SnapshotStore store = new SnapshotStore(Path.of(args[0]), BACKEND);
    for (long generation = 0; ; generation++) {
      ServiceQuery query = QUERIES.get((int) (generation % QUERIES.size()));
      store.write(query, generation, answer(query, generation));
      System.out.println("written " + generation);
      System.out.flush();
    }
  }

  static List<ServiceInstance> answer(ServiceQuery query, long generation) {
    int count = (int) (generation % 50) + 1;
    List<ServiceInstance> instances = new ArrayList<>(count);
    String padding = "x".repeat(2000); // large enough that a write takes several system calls' time
    for (int i = 0; i < count; i++) {
      instances.add(new ServiceInstance(query.service() + "-" + i, query.service(), "10.0." + (i / 250) + "."
          + (i % 250 + 1), 8080, query.tags(), Map.of("generation", String.valueOf(generation), "padding", padding),
          1, Health.PASSING, Map.of("rack", "r" + i)));
    }
    return instances;
  }
}
