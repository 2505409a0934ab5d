package dev.discovery.cache;

import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch of a failover query over a backend that can watch: one backend watch of the own datacenter for as long
 * as this runs, and one per fallback datacenter only while {@link FailoverChoice} needs it. After every answer or
 * failure of any of them the choice is made again; the answer it picks is passed on when it changed, marked with its
 * datacenter. Fallbacks no longer needed are closed (fail-back closes them all); a failed one is closed and skipped
 * until its cool-down ends, when a timer makes the choice again.
 *
 * <p>Listener calls are made under this watch's lock, so they never overlap; fallback watches are opened and closed
 * on the cache's refresh thread, outside every lock, since a backend calls its listener under its own lock.
 */
final class FailoverWatch implements Watch {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverWatch.class);

  private final FailoverBackend owner;
  private final ServiceQuery query;
  private final WatchListener listener;
  private final List<ServiceQuery> fallbacks;
  /** One per fallback; null while it is not watched. */
  private final Slot[] slots;
  private Watch primaryWatch;
  private Answer primary;
  private int served = FailoverChoice.WAIT;
  private ScheduledFuture<?> retry;
  private boolean closed;

  /** One fallback's backend watch and what it said; replaced, never reused, when the fallback is watched again. */
  private final class Slot implements WatchListener {
    final int index;
    Watch watch;
    Answer answer;
    boolean closed;

    Slot(int index) {
      this.index = index;
    }

    @Override
    public void onAnswer(Answer answer) {
      synchronized (FailoverWatch.this) {
        if (closed || slots[index] != this) {
          return;
        }
        this.answer = answer;
        owner.fallbackAnswered(query, fallbacks.get(index));
      }
      decide();
    }

    @Override
    public void onError(Throwable error) {
      Watch failed;
      synchronized (FailoverWatch.this) {
        if (closed || slots[index] != this) {
          return;
        }
        owner.fallbackFailed(query, fallbacks.get(index), FailoverBackend.unwrap(error));
        slots[index] = null;
        closed = true;
        failed = watch; // null while still being opened: apply() closes it then
      }
      // Stop its retries (it is skipped until its cool-down ends), on the refresh thread as every close.
      apply(List.of(), failed == null ? List.of() : List.of(failed), true);
      decide();
    }

    @Override
    public boolean hasSubscribers() {
      return listener.hasSubscribers();
    }

    @Override
    public boolean recentlyUsed() {
      return listener.recentlyUsed();
    }
  }

  FailoverWatch(FailoverBackend owner, ServiceQuery query, WatchListener listener) {
    this.owner = owner;
    this.query = query;
    this.listener = listener;
    this.fallbacks = FailoverBackend.fallbacksOf(query);
    this.slots = new Slot[fallbacks.size()];
  }

  void start() {
    Watch w = owner.delegate().watch(FailoverBackend.primaryOf(query), new WatchListener() {
      @Override
      public void onAnswer(Answer answer) {
        synchronized (FailoverWatch.this) {
          if (closed) {
            return;
          }
          primary = answer;
        }
        decide();
      }

      @Override
      public void onError(Throwable error) {
        // The own datacenter failing is no reason to fail over: the cache serves its last good answer as stale.
        synchronized (FailoverWatch.this) {
          if (!closed) {
            listener.onError(error);
          }
        }
      }

      @Override
      public void onBackoff(Duration delay) {
        synchronized (FailoverWatch.this) {
          if (!closed) {
            listener.onBackoff(delay);
          }
        }
      }

      @Override
      public boolean hasSubscribers() {
        return listener.hasSubscribers();
      }

      @Override
      public boolean recentlyUsed() {
        return listener.recentlyUsed();
      }
    });
    boolean closeNow;
    synchronized (this) {
      primaryWatch = w;
      closeNow = closed;
    }
    if (closeNow) {
      closeQuietly(w);
    }
  }

  /** Makes the choice again; opens and closes fallback watches as it says, outside the lock. */
  private void decide() {
    List<Slot> toStart = new ArrayList<>();
    List<Watch> toClose = new ArrayList<>();
    synchronized (this) {
      if (closed || primary == null) {
        return;
      }
      long now = owner.settings.ticker().read();
      List<FailoverChoice.Candidate> candidates = new ArrayList<>();
      long nextRetry = Long.MAX_VALUE;
      for (int i = 0; i < slots.length; i++) {
        Slot s = slots[i];
        if (s != null) {
          candidates.add(s.answer == null ? FailoverChoice.Candidate.UNKNOWN
              : FailoverChoice.Candidate.answered(s.answer.instances().size()));
        } else if (owner.skipped(fallbacks.get(i), now)) {
          candidates.add(FailoverChoice.Candidate.UNAVAILABLE);
          nextRetry = Math.min(nextRetry, owner.remainingNanos(fallbacks.get(i), now));
        } else {
          candidates.add(FailoverChoice.Candidate.UNKNOWN);
        }
      }
      FailoverChoice.Decision d = FailoverChoice.decide(query.minHealthy(), primary.instances().size(), candidates);
      boolean[] needed = new boolean[slots.length];
      for (int i : d.needed()) {
        needed[i] = true;
        if (slots[i] == null) {
          slots[i] = new Slot(i);
          toStart.add(slots[i]);
        }
      }
      for (int i = 0; i < slots.length; i++) {
        if (!needed[i] && slots[i] != null) {
          slots[i].closed = true;
          if (slots[i].watch != null) {
            toClose.add(slots[i].watch);
          }
          slots[i] = null;
        }
      }
      // While short of instances with a fallback skipped, ask it again when its cool-down ends.
      boolean shortOfInstances = primary.instances().size() < query.minHealthy();
      scheduleRetry(shortOfInstances && nextRetry != Long.MAX_VALUE ? nextRetry : -1);
      if (d.served() != FailoverChoice.WAIT) {
        Answer answer = FailoverBackend.served(query, d.served(), primary, slotAnswers());
        logTransition(served, d.served());
        served = d.served();
        listener.onAnswer(answer); // the cache tells subscribers only when the instances changed
      }
    }
    if (toStart.isEmpty() && toClose.isEmpty()) {
      return;
    }
    // On the cache's (single) refresh thread, never here: this may run in a backend watch's callback, under that
    // watch's lock, and closing another watch from there could deadlock with that one's callback closing this one.
    apply(toStart, toClose, true);
  }

  /**
   * Closes the fallback watches no longer needed and opens the newly needed ones, in the order decided: later, on the
   * refresh thread, when {@code later}.
   */
  private void apply(List<Slot> toStart, List<Watch> toClose, boolean later) {
    if (later) {
      try {
        owner.scheduler.execute(() -> apply(toStart, toClose, false));
      } catch (RejectedExecutionException e) {
        toClose.forEach(FailoverWatch::closeQuietly); // the cache is closing: start nothing
      }
      return;
    }
    for (Watch w : toClose) {
      closeQuietly(w);
    }
    for (Slot s : toStart) {
      synchronized (this) {
        if (s.closed || closed) {
          continue;
        }
      }
      Watch w;
      try {
        w = owner.delegate().watch(fallbacks.get(s.index), s);
      } catch (RuntimeException e) {
        s.onError(e);
        continue;
      }
      boolean closeNow;
      synchronized (this) {
        s.watch = w;
        closeNow = s.closed || closed;
      }
      if (closeNow) {
        closeQuietly(w);
      }
    }
  }

  private List<Answer> slotAnswers() {
    List<Answer> out = new ArrayList<>(slots.length);
    for (Slot s : slots) {
      out.add(s == null ? null : s.answer);
    }
    return out;
  }

  private void logTransition(int before, int after) {
    if (before == after) {
      return;
    }
    int own = primary.instances().size();
    if (after == FailoverChoice.PRIMARY && before != FailoverChoice.WAIT) {
      if (own >= query.minHealthy()) {
        LOG.info("{}: failing back to its own datacenter ({} instance(s), {} needed)", query, own,
            query.minHealthy());
      } else {
        LOG.info("{}: serving its own datacenter's {} instance(s) ({} needed): no fallback has more", query, own,
            query.minHealthy());
      }
    } else if (after >= 0) {
      LOG.info("{}: failing over to datacenter '{}' (own datacenter has {} instance(s), {} needed)", query,
          query.failover().get(after), own, query.minHealthy());
    }
  }

  /** Must hold the lock. Schedules one re-decision in {@code delayNanos} (none when negative). */
  private void scheduleRetry(long delayNanos) {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    if (delayNanos < 0) {
      return;
    }
    try {
      retry = owner.scheduler.schedule(this::decide, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // the cache is closing
    }
  }

  private static void closeQuietly(Watch w) {
    if (w == null) {
      return;
    }
    try {
      w.close();
    } catch (RuntimeException e) {
      LOG.debug("closing a watch failed", e);
    }
  }

  @Override
  public void close() {
    List<Watch> toClose = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose.add(primaryWatch);
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] != null) {
          slots[i].closed = true;
          toClose.add(slots[i].watch);
          slots[i] = null;
        }
      }
      if (retry != null) {
        retry.cancel(false);
      }
    }
    toClose.forEach(FailoverWatch::closeQuietly);
  }
}
