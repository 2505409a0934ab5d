package dev.discovery.balance;

import dev.discovery.ServiceInstance;
import dev.discovery.spi.Ticker;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consecutive failures and ejections of one service's instances. {@link #anyEjected} is a plain read so that
 * selection pays nothing while every instance is fine.
 *
 * <p>Instance ids come and go (a Mesos task gets a new one at every restart), so when the records have doubled
 * since the last sweep, those that are not ejected and saw no failure for an ejection time are dropped: memory
 * follows the instances that fail now, not every instance that ever failed.
 */
final class OutlierState {
  private static final int FIRST_SWEEP_AT = 64;
  /** Read by {@link #anyEjected} only while some instance is ejected; other methods are handed the time. */
  private final Ticker ticker;
  private final ConcurrentMap<String, InstanceRecord> records = new ConcurrentHashMap<>();
  private volatile int sweepAt = FIRST_SWEEP_AT;
  private volatile long lastEjectionEndsNanos;
  private volatile boolean anyEjected;
  /** Whether the selector is using every instance because too many are ejected; for one log line per episode. */
  private volatile boolean panicking;
  /** The selector's handles of this service, told when an instance is ejected so they rebuild their picks. */
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** The failure streak and ejection deadline of one instance. */
  private static final class InstanceRecord {
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    volatile long ejectedUntilNanos;
    volatile boolean ejected;
    volatile long lastFailureNanos;
  }

  OutlierState(Ticker ticker) {
    this.ticker = ticker;
  }

  boolean anyEjected() {
    if (!anyEjected) {
      return false;
    }
    if (ticker.read() - lastEjectionEndsNanos > 0) {
      anyEjected = false; // every cool-down is over
      panicking = false;
      return false;
    }
    return true;
  }

  boolean isEjected(ServiceInstance instance, long now) {
    InstanceRecord record = records.get(instance.id());
    return record != null && record.ejected && now - record.ejectedUntilNanos < 0;
  }

  /** When {@code instance}'s ejection ends, if it is ejected at {@code now}; else {@code now} itself. */
  long ejectedUntil(ServiceInstance instance, long now) {
    InstanceRecord record = records.get(instance.id());
    if (record != null && record.ejected) {
      long until = record.ejectedUntilNanos;
      if (now - until < 0) {
        return until;
      }
    }
    return now;
  }

  void addListener(Runnable listener) {
    listeners.add(listener);
  }

  /** Tells the handles that an ejection began; called by the selector after {@link #record} returned true. */
  void ejectionsChanged() {
    for (Runnable listener : listeners) {
      listener.run();
    }
  }

  int countEjected(List<ServiceInstance> instances, long now) {
    int count = 0;
    for (int i = 0; i < instances.size(); i++) {
      if (isEjected(instances.get(i), now)) {
        count++;
      }
    }
    return count;
  }

  /** Notes whether the selector is in panic mode; true when this call starts an episode. */
  boolean panic(boolean now) {
    if (panicking == now) {
      return false;
    }
    synchronized (this) {
      if (panicking == now) {
        return false;
      }
      panicking = now;
      return now;
    }
  }

  /** Records a call's outcome at {@code now} (a reading of the selector's ticker); true when it ejects the instance. */
  boolean record(ServiceInstance instance, Outcome outcome, int failuresToEject, long ejectionNanos, long now) {
    InstanceRecord record = records.get(instance.id());
    if (outcome == Outcome.SUCCESS) {
      if (record != null) {
        record.consecutiveFailures.set(0);
      }
      return false;
    }
    if (record == null) {
      record = records.computeIfAbsent(instance.id(), id -> new InstanceRecord());
      if (records.size() > sweepAt) {
        sweep(now, ejectionNanos);
      }
    }
    record.lastFailureNanos = now;
    if (failuresToEject > 0 && record.consecutiveFailures.incrementAndGet() >= failuresToEject) {
      record.consecutiveFailures.set(0);
      long until = now + ejectionNanos;
      record.ejectedUntilNanos = until;
      record.ejected = true;
      synchronized (this) {
        if (!anyEjected || until - lastEjectionEndsNanos > 0) {
          lastEjectionEndsNanos = until;
        }
        anyEjected = true;
      }
      return true;
    }
    return false;
  }

  private synchronized void sweep(long now, long ejectionNanos) {
    if (records.size() <= sweepAt) {
      return; // another thread swept meanwhile
    }
    records.values().removeIf(r -> !(r.ejected && now - r.ejectedUntilNanos < 0)
        && now - r.lastFailureNanos > ejectionNanos);
    sweepAt = Math.max(FIRST_SWEEP_AT, records.size() * 2);
  }

  /** How many instances have a record, for tests. */
  int tracked() {
    return records.size();
  }
}
