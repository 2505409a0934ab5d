package dev.discovery.consul.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes' network coordinates, for {@code ?near} on the health endpoint.
 *
 * <p>Consul estimates round-trip times with Serf's Vivaldi coordinates and sorts an answer by the distance of
 * each entry's node from the source node ({@code agent/consul/rtt.go sortNodesByDistanceFrom}): a stable sort,
 * ascending; without a coordinate for the source node (an unknown node) the answer is left in server order.
 * {@code near=_agent} means the agent's own node ({@code agent/http.go parseSource}).
 *
 * <p>The testkit cannot measure anything, so its coordinates are what tests set, in Consul's own test model
 * ({@code lib.GenerateCoordinate}): a node is placed at a round-trip time from the origin along one axis, and
 * the distance of two nodes is the difference. Every node starts at the origin, as a freshly started Serf
 * agent does, so until a test places nodes all distances are equal and {@code near} keeps server order.
 */
final class Coordinates {
  private final Map<String, Double> seconds = new ConcurrentHashMap<>();

  /** Places {@code node} at {@code rtt} from the origin. */
  void set(String node, Duration rtt) {
    seconds.put(node, rtt.toNanos() / 1e9);
  }

  /**
   * The rows sorted by their node's distance from {@code source}, as Consul sorts them; a new list.
   * {@code sourceInCatalog} says whether the source is a node of the catalog (only those have a coordinate).
   */
  List<HealthEntry> sortNear(String source, boolean sourceInCatalog, List<HealthEntry> rows) {
    List<HealthEntry> sorted = new ArrayList<>(rows);
    if (!sourceInCatalog) {
      return sorted;
    }
    double from = coordinate(source);
    // List.sort is stable, as Consul's sort.Stable: equally distant entries keep server order.
    sorted.sort(Comparator.comparingDouble(e -> Math.abs(from - coordinate(e.node().name()))));
    return sorted;
  }

  /** A catalog node's coordinate: where a test placed it, else the origin. */
  private double coordinate(String node) {
    return seconds.getOrDefault(node, 0.0);
  }
}
