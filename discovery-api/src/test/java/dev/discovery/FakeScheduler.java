package dev.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} that runs nothing until the test moves its {@link FakeTicker} with
 * {@link #advance}, as gRPC's {@code FakeClock} does: then every task that falls due runs on the test's
 * thread, in time order, with the ticker showing its due time. So refresh intervals and back-off delays are
 * checked to the nanosecond: one nanosecond early nothing happens, on time the task runs.
 *
 * <p>Tasks scheduled while others run are run in the same {@code advance} if they fall due within it.
 */
public final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final FakeTicker ticker;
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  private long sequence;
  private boolean shutdown;

  /** A scheduler on {@code ticker}'s time; moving the ticker directly runs nothing until the next advance. */
  public FakeScheduler(FakeTicker ticker) {
    this.ticker = ticker;
  }

  /** Moves time forward by {@code duration}, running each task that falls due on the way at its due time. */
  public void advance(Duration duration) {
    long target = ticker.read() + duration.toNanos();
    while (true) {
      Task<?> next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.dueNanos - target > 0) {
          break;
        }
        queue.poll();
      }
      long wait = next.dueNanos - ticker.read();
      if (wait > 0) {
        ticker.advanceNanos(wait);
      }
      next.run();
    }
    long rest = target - ticker.read();
    if (rest > 0) {
      ticker.advanceNanos(rest);
    }
  }

  /** {@link #advance} by {@code nanos} nanoseconds. */
  public void advanceNanos(long nanos) {
    advance(Duration.ofNanos(nanos));
  }

  /** Tasks waiting to run, periodic ones included. */
  public synchronized int pending() {
    return (int) queue.stream().filter(t -> !t.isCancelled()).count();
  }

  private synchronized <V> Task<V> enqueue(Task<V> task) {
    if (shutdown) {
      throw new RejectedExecutionException("the fake scheduler is shut down");
    }
    queue.add(task);
    return task;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(new Task<>(Executors.callable(command, null), unit.toNanos(delay), 0));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(new Task<>(callable, unit.toNanos(delay), 0));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return enqueue(new Task<>(Executors.callable(command, null), unit.toNanos(initialDelay), unit.toNanos(period)));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    // The same as a fixed rate here: a task takes no fake time to run.
    return scheduleAtFixedRate(command, initialDelay, delay, unit);
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
    queue.clear();
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    List<Runnable> never = new ArrayList<>(queue);
    shutdown();
    return never;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  /** A task due at a fake time; periodic ones put themselves back after each run. */
  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    private final long periodNanos;
    private final long order;
    private long dueNanos;

    Task(Callable<V> callable, long delayNanos, long periodNanos) {
      super(callable);
      this.dueNanos = ticker.read() + Math.max(0, delayNanos);
      this.periodNanos = periodNanos;
      synchronized (FakeScheduler.this) {
        this.order = sequence++;
      }
    }

    @Override
    public void run() {
      if (periodNanos <= 0) {
        super.run();
      } else if (runAndReset()) {
        dueNanos += periodNanos;
        synchronized (FakeScheduler.this) {
          if (!shutdown) {
            queue.add(this);
          }
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - ticker.read(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      Task<?> that = (Task<?>) other;
      int byTime = Long.compare(dueNanos - that.dueNanos, 0); // by difference: the ticker may wrap
      return byTime != 0 ? byTime : Long.compare(order, that.order);
    }
  }
}
