package dev.discovery.balance;

import dev.discovery.NoHealthyInstanceException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.QueryView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One service (one query) of a {@link ServiceSelector}, held so that a pick costs no lookup: get it once with
 * {@link ServiceSelector#forService} or {@link ServiceSelector#forQuery}, keep it in a field, and call
 * {@link #next()} per request.
 *
 * <pre>{@code
 * ServiceHandle web = selector.forService("web");   // once
 * ServiceInstance instance = web.next();            // per call: a volatile read and a position step
 * web.report(instance, Outcome.SUCCESS);
 * }</pre>
 *
 * <p>The handle publishes one immutable snapshot: the instances a pick may use, with the ejected ones already
 * left out (or all of them in panic mode). The snapshot is rebuilt when the cached answer changes and when an
 * outcome ejects an instance, never per pick, so the default round robin's pick reads that one reference,
 * advances a {@linkplain StripedPosition striped position} and indexes an array: no map lookup, no
 * allocation, no clock read. Only while an instance is ejected, or the answer is stale or not loaded yet,
 * does a pick take the slower path that reads the clock and checks the cache's staleness rules.
 *
 * <p>Cache eviction: a handle does not pin its query. Each pick marks the query as used, exactly as a lookup
 * does, so a query picked from within the idle time stays watched; a handle nobody picks from lets its query
 * go idle and be forgotten like any other, and its next pick reloads it transparently (that pick waits for
 * the first answer, as a first lookup does). Nothing needs closing.
 *
 * <p>Thread-safe; a selector gives the same handle for the same query.
 */
public final class ServiceHandle {
  private final ServiceSelector selector;
  private final ServiceQuery query;
  private final OutlierState outliers;
  /** The round robin's position when the selector balances by round robin, else {@code null}. */
  private final StripedPosition position;
  private final LoadBalancer balancer;
  /** Where answers come from, off the hot path; changed only under {@code this}. */
  private volatile QueryView view;
  private volatile Snapshot snapshot = Snapshot.EMPTY;
  /** The most instances the caller's zone had, and when it last had that many; changed only under {@code this}. */
  private int zoneHigh;
  private long zoneHighAtNanos;

  /**
   * What a pick needs, immutable. {@code direct} means "pick from {@code usable} without any check": the
   * answer is fresh from a live view, non-empty, and nothing is ejected.
   */
  private static final class Snapshot {
    static final Snapshot EMPTY = new Snapshot(null, null, null, new ServiceInstance[0], false, false, 0, null);
    /** The cached list this was built from, compared by identity to see whether the cache has moved on. */
    final List<ServiceInstance> source;
    /** The view the answer came from, or {@code null} over a discovery without one. */
    final QueryView view;
    final ServiceInstance[] usable;
    /** {@link #usable} as a list, for balancers other than round robin. */
    final List<ServiceInstance> usableList;
    final boolean direct;
    /** Whether some instance is ejected (or the selector is in panic mode because of ejections). */
    final boolean ejecting;
    /**
     * When the first ejection in force ends, or the zone's remembered size is forgotten; then the snapshot is
     * rebuilt. Only meaningful if ejecting.
     */
    final long recheckAtNanos;
    /** The two zone levels, or {@code null} without zones. */
    final Zones zones;

    Snapshot(List<ServiceInstance> source, QueryView view, List<ServiceInstance> usableList,
        ServiceInstance[] usable, boolean direct, boolean ejecting, long recheckAtNanos, Zones zones) {
      this.source = source;
      this.view = view;
      this.usable = usable;
      this.usableList = usableList;
      this.direct = direct;
      this.ejecting = ejecting;
      this.recheckAtNanos = recheckAtNanos;
      this.zones = zones;
    }
  }

  /**
   * The caller's zone and the rest, each the instances a pick may use there (the available ones, or all of the
   * level in panic), and the share of picks, out of {@link ZoneSplit#SCALE}, that stay in the caller's zone.
   */
  private static final class Zones {
    final ServiceInstance[] local;
    final List<ServiceInstance> localList;
    final ServiceInstance[] remote;
    final List<ServiceInstance> remoteList;
    final int localShare;

    Zones(ServiceInstance[] local, ServiceInstance[] remote, int localShare) {
      this.local = local;
      this.localList = List.of(local);
      this.remote = remote;
      this.remoteList = List.of(remote);
      this.localShare = remote.length == 0 ? ZoneSplit.SCALE : local.length == 0 ? 0 : localShare;
    }
  }

  ServiceHandle(ServiceSelector selector, ServiceQuery query, OutlierState outliers, LoadBalancer balancer) {
    this.selector = selector;
    this.query = query;
    this.outliers = outliers;
    this.balancer = balancer;
    this.position = balancer instanceof RoundRobinBalancer
        ? ((RoundRobinBalancer) balancer).position(query) : null;
  }

  /** The query this handle picks for. */
  public ServiceQuery query() {
    return query;
  }

  /**
   * The instance to call next.
   *
   * @throws NoHealthyInstanceException if the service has no healthy instance
   * @throws dev.discovery.RegistryUnavailableException if the registry is down and the cache too stale
   */
  public ServiceInstance next() {
    Snapshot s = snapshot;
    if (s.direct) {
      s.view.hit(); // keeps the query watched and counts the lookup; two plain-cost reads when unobserved
      return pick(s);
    }
    return nextSlow(s);
  }

  /**
   * The share of picks that now stay in the caller's zone (0 to 1), as of the last pick; empty when the selector
   * has no {@linkplain ServiceSelector.Builder#zone zone} or nothing was picked yet. For status pages and tools.
   */
  public java.util.OptionalDouble localZoneShare() {
    Zones z = snapshot.zones;
    return z == null ? java.util.OptionalDouble.empty()
        : java.util.OptionalDouble.of((double) z.localShare / ZoneSplit.SCALE);
  }

  /** Reports how a call to an instance from {@link #next()} went; the same as the selector's {@code report}. */
  public void report(ServiceInstance instance, Outcome outcome) {
    selector.report(instance, outcome);
  }

  private ServiceInstance pick(Snapshot s) {
    ServiceInstance[] from = s.usable;
    List<ServiceInstance> fromList = s.usableList;
    Zones z = s.zones;
    if (z != null) {
      // A draw per pick decides the level; a thread-local random costs no shared write.
      boolean stay = z.localShare >= ZoneSplit.SCALE
          || z.localShare > 0 && ThreadLocalRandom.current().nextInt(ZoneSplit.SCALE) < z.localShare;
      from = stay ? z.local : z.remote;
      fromList = stay ? z.localList : z.remoteList;
    }
    ServiceInstance chosen = position != null
        ? from[position.next() % from.length]
        : balancer.choose(query, fromList);
    balancer.onStart(chosen);
    return chosen;
  }

  /** Not loaded, stale, evicted, empty, or with ejections in force: apply every rule, then pick. */
  private ServiceInstance nextSlow(Snapshot s) {
    List<ServiceInstance> current = selector.lookup(this);
    if (current.isEmpty()) {
      throw selector.noInstance(query);
    }
    if (current != s.source || s.ejecting && selector.now() - s.recheckAtNanos >= 0) {
      s = rebuild(current);
    }
    return pick(s);
  }

  /** The live view of the query, attaching a new one if there is none or the old one was evicted. */
  QueryView view(java.util.function.Supplier<QueryView> attach) {
    QueryView v = view;
    if (v != null && !v.isClosed()) {
      return v;
    }
    QueryView fresh = attach.get(); // outside the lock: attaching may start a load that calls us back
    synchronized (this) {
      v = view;
      if (v != null && !v.isClosed()) {
        fresh.close(); // another thread attached first
        return v;
      }
      view = fresh;
    }
    return fresh;
  }

  /** Told by the cache (a new answer, a failure, a recovery, eviction) and by ejections. */
  void changed() {
    QueryView v = view;
    List<ServiceInstance> fresh = v == null ? snapshot.source : v.fresh();
    if (fresh != null) {
      rebuild(fresh);
    } else {
      synchronized (this) {
        snapshot = Snapshot.EMPTY; // the next pick takes the slow path and applies the cache's rules
      }
    }
  }

  /** Builds and publishes the snapshot for {@code instances}; off the hot path, allocates only here. */
  private synchronized Snapshot rebuild(List<ServiceInstance> instances) {
    QueryView v = view;
    long now = selector.now();
    int size = instances.size();
    int ejected = 0;
    long firstEnd = 0;
    boolean[] out = null;
    for (int i = 0; i < size; i++) {
      long until = outliers.ejectedUntil(instances.get(i), now);
      if (until != now) {
        if (out == null) {
          out = new boolean[size];
        }
        out[i] = true;
        firstEnd = ejected == 0 || until - firstEnd < 0 ? until : firstEnd;
        ejected++;
      }
    }
    boolean panic = selector.panic(query, outliers, ejected, size);
    ServiceInstance[] usable;
    List<ServiceInstance> usableList;
    if (ejected == 0 || panic) {
      usable = instances.toArray(new ServiceInstance[0]);
      usableList = instances;
    } else {
      usable = new ServiceInstance[size - ejected];
      for (int i = 0, j = 0; i < size; i++) {
        if (!out[i]) {
          usable[j++] = instances.get(i);
        }
      }
      usableList = List.of(usable);
    }
    Split zones = null;
    boolean zoneShort = false;
    if (selector.zoneKey() != null && size > 0) {
      zones = zones(instances, out, now);
      if (zoneHigh > zones.localCount) {
        // Short of the remembered size: look again when that memory ends.
        long forget = zoneHighAtNanos + selector.zoneMemoryNanos();
        firstEnd = ejected == 0 || forget - firstEnd < 0 ? forget : firstEnd;
        zoneShort = true;
      }
    }
    boolean direct = v != null && !v.isClosed() && v.fresh() == instances && size > 0 && ejected == 0 && !zoneShort;
    Snapshot s = new Snapshot(instances, v, usableList, usable, direct, ejected > 0 || zoneShort, firstEnd,
        zones == null ? null : zones.zones);
    snapshot = s;
    return s;
  }

  /** The two levels of a zoned snapshot and how many instances the caller's zone has in the answer. */
  private record Split(Zones zones, int localCount) {}

  /** Splits the answer by zone, remembers the zone's size, and computes the share (under {@code this}). */
  private Split zones(List<ServiceInstance> instances, boolean[] ejected, long now) {
    ZoneKey key = selector.zoneKey();
    String caller = selector.callerZone();
    List<ServiceInstance> local = new ArrayList<>();
    List<ServiceInstance> localUp = new ArrayList<>();
    List<ServiceInstance> remote = new ArrayList<>();
    List<ServiceInstance> remoteUp = new ArrayList<>();
    for (int i = 0; i < instances.size(); i++) {
      ServiceInstance instance = instances.get(i);
      boolean up = ejected == null || !ejected[i];
      boolean mine = caller.equals(key.zoneOf(instance));
      (mine ? local : remote).add(instance);
      if (up) {
        (mine ? localUp : remoteUp).add(instance);
      }
    }
    if (local.size() >= zoneHigh || now - zoneHighAtNanos - selector.zoneMemoryNanos() >= 0) {
      zoneHigh = local.size();
      zoneHighAtNanos = now;
    }
    int share = ZoneSplit.localShare(localUp.size(), zoneHigh, remoteUp.size());
    return new Split(new Zones(level(local, localUp), level(remote, remoteUp), share), local.size());
  }

  /** A level's usable instances: the available ones, or all of them when too many are ejected (panic). */
  private ServiceInstance[] level(List<ServiceInstance> all, List<ServiceInstance> up) {
    boolean panic = up.isEmpty() || selector.levelPanics(all.size() - up.size(), all.size());
    return (panic ? all : up).toArray(new ServiceInstance[0]);
  }

  /** The instances a pick may use now, for tests. */
  List<ServiceInstance> usable() {
    return Arrays.asList(snapshot.usable);
  }
}
