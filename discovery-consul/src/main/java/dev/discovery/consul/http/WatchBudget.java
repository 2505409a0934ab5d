package dev.discovery.consul.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The connections that watched queries may hold at one Consul agent, shared by every query of a discovery and, when
 * the same object is given to several discoveries ({@link ConsulHttpBuilder#watchBudget(WatchBudget)}), by all of
 * them. A Consul agent accepts at most {@code limits.http_max_conns_per_client} concurrent connections from one IP
 * (200 by default), and every container of a host shares that IP; without a budget each watched query would hold
 * a connection (and, before Java 24, a thread) of its own.
 *
 * <p>Of a budget of {@code B} connections, a few (1 to 4: {@code B/8}) are rotation lanes and the rest are parked
 * slots. A query with a slot keeps a blocking query at the agent, so a change reaches it within one round trip. The
 * other queries take turns on the lanes: one short non-blocking read each, at most once per rotation interval.
 * Slots go first to queries with a subscriber, then to queries read lately, then by age (the first watched first);
 * the ranking is revisited every second, so queries move between parked and rotating as their use changes.
 *
 * <p>When more of one agent's (and datacenter's) queries are outside the slots than a change feed costs, the
 * budget gives that feed its connections ({@link FeedMember}, two parked queries that say which services changed)
 * ahead of every query. While the feed runs, its queries outside the slots are read when it names their service,
 * and otherwise only once per {@code feedRefresh} (a safety net, spread over time); when it fails or stops they go
 * back to the rotation. When a feed starts (or starts again) every query it covers is read once after its
 * baseline, since a change between a query's last read and the baseline would otherwise go unseen.
 *
 * <p>When the agent refuses a connection with HTTP 429, the budget halves (once per burst), the lowest-ranked
 * parked queries give up their slots, and it grows back by one connection per {@code growBackEvery} without a 429.
 * Callers keep being served the cached answers meanwhile.
 *
 * <p>Over HTTP/2 (an HTTPS agent: Consul serves h2 there) parked queries are streams of a few connections, not a
 * connection each, so the budget counts {@value BudgetLimit#STREAMS_PER_CONNECTION} parked queries per connection
 * while every agent that answered its members lately answered over h2 ({@link #multiplexed()}). It does so only
 * where a parked query costs no platform thread either, on Java 24 and later (see {@code CallThreads}): before
 * that each parked call holds a thread, and the budget keeps bounding the threads as it bounds connections over
 * HTTP/1.1. Thread-safe.
 */
public final class WatchBudget {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WatchBudget.class);
  /** The default budget: well under Consul's default of 200 per client IP, so a few processes fit on one host. */
  public static final int DEFAULT_CONNECTIONS = 64;
  /** How often a query outside the slots is read while its change feed names nothing: 5 min, Consul's wait. */
  public static final Duration DEFAULT_FEED_REFRESH = Duration.ofMinutes(5);
  /** The default pace of growing back after a 429: one connection per 30 s. */
  public static final Duration DEFAULT_GROW_BACK = Duration.ofSeconds(30);
  /** How often the ranking is revisited and growth applied. */
  static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** 429s within this time of a cut belong to the same overload. */
  static final long COOLDOWN_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The timer a budget schedules on; a fake one in tests. */
  interface Timer {
    /** Runs {@code task} after {@code delayNanos}; the result cancels it. */
    Runnable schedule(Runnable task, long delayNanos);

    /** No member is left: release any thread. */
    default void idle() {}
  }

  private enum State { PARKED, QUEUED, POLLING }

  private static final class Entry {
    final BudgetMember member;
    final long seq;
    State state;
    long dueNanos;
    /** Queued after a failure: no slot before its back-off has passed. */
    boolean backingOff;
    /** Its feed named it during its rotation read: read again at once when that ends. */
    boolean again;
    final Feed feed;

    Entry(BudgetMember member, long seq, Feed feed) {
      this.member = member;
      this.seq = seq;
      this.feed = feed;
    }
  }

  /** A change feed and the members it covers. */
  private static final class Feed {
    final FeedMember feed;
    int members;
    boolean running;
    /** Its baseline is in: it vouches for its members from now on. */
    boolean vouching;
    long retryAtNanos;
    int failures;

    Feed(FeedMember feed) {
      this.feed = feed;
    }
  }

  private final LongSupplier clock;
  private final Timer timer;
  /** Whether a parked call costs no platform thread (virtual threads): only then may h2 park more. */
  private final boolean parkedCostsNoThread;
  /** The protocol each agent answered with last: true for HTTP/2. */
  private final Map<String, Boolean> http2ByAgent = new HashMap<>();
  private final long rotationNanos;
  private final BudgetLimit limit;
  private final long feedRefreshNanos;
  /** A random offset in [0, bound]: spreads the safety-net reads so that they do not come in one burst. */
  private final java.util.function.LongUnaryOperator spread;
  private final Map<BudgetMember, Entry> entries = new HashMap<>();
  private final Map<FeedMember, Feed> feeds = new HashMap<>();
  /** Connections held by running feeds. */
  private int feedConnections;
  /** Told of every refusal: the observers of the discoveries using this budget. */
  private final java.util.List<dev.discovery.spi.DiscoveryObserver> observers =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final PriorityQueue<Entry> queue =
      new PriorityQueue<>(WatchBudget::byDue);
  private long nextSeq;
  /** Feeds placed by the current rebalance, started after its unparks. */
  private final List<Runnable> pendingStarts = new ArrayList<>();
  private int parked;
  private int polling;
  private long rejections;
  private boolean warned;
  private Runnable wakeup;
  private long wakeupAt;
  private Runnable tick;

  WatchBudget(int connections, Duration growBackEvery, Duration rotationInterval, LongSupplier clock, Timer timer) {
    this(connections, growBackEvery, rotationInterval, DEFAULT_FEED_REFRESH, clock, timer,
        bound -> bound <= 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextLong(bound + 1));
  }

  WatchBudget(int connections, Duration growBackEvery, Duration rotationInterval, Duration feedRefresh,
      LongSupplier clock, Timer timer, java.util.function.LongUnaryOperator spread) {
    this(connections, growBackEvery, rotationInterval, feedRefresh, clock, timer, spread, CallThreads.virtual());
  }

  WatchBudget(int connections, Duration growBackEvery, Duration rotationInterval, Duration feedRefresh,
      LongSupplier clock, Timer timer, java.util.function.LongUnaryOperator spread, boolean parkedCostsNoThread) {
    this.parkedCostsNoThread = parkedCostsNoThread;
    this.clock = clock;
    this.timer = timer;
    this.spread = spread;
    this.feedRefreshNanos = feedRefresh.toNanos();
    this.rotationNanos = rotationInterval.toNanos();
    this.limit = new BudgetLimit(connections, growBackEvery.toNanos(), COOLDOWN_NANOS, clock.getAsLong());
  }

  /**
   * A budget of {@code connections} (at least 1) that grows back by one connection every 30 s after a 429, and
   * refreshes the queries without a parked slot about once a second.
   */
  public static WatchBudget of(int connections) {
    return of(connections, DEFAULT_GROW_BACK, Duration.ofSeconds(1));
  }

  /**
   * A budget of {@code connections} (at least 1).
   *
   * @param growBackEvery after a 429, one connection more per this time without another 429
   * @param rotationInterval how often, at most, a query without a parked slot is read; a change to it is seen
   *     within about this time (more when there are many such queries: see the module README)
   */
  public static WatchBudget of(int connections, Duration growBackEvery, Duration rotationInterval) {
    Duration refresh = rotationInterval != null && rotationInterval.compareTo(DEFAULT_FEED_REFRESH) > 0
        ? rotationInterval : DEFAULT_FEED_REFRESH;
    return of(connections, growBackEvery, rotationInterval, refresh);
  }

  /**
   * A budget of {@code connections} (at least 1).
   *
   * @param growBackEvery after a 429, one connection more per this time without another 429
   * @param rotationInterval how often, at most, a query without a parked slot is read while no change feed covers
   *     it
   * @param feedRefresh how often a query without a parked slot is read anyway while a change feed covers it (a
   *     safety net; each read comes between half of this and all of it after the last); at least the rotation
   *     interval
   */
  public static WatchBudget of(int connections, Duration growBackEvery, Duration rotationInterval,
      Duration feedRefresh) {
    return of(connections, growBackEvery, rotationInterval, feedRefresh, CallThreads.virtual());
  }

  /** As {@link #of(int, Duration, Duration, Duration)}, with the thread rule given (tests play either Java). */
  static WatchBudget of(int connections, Duration growBackEvery, Duration rotationInterval, Duration feedRefresh,
      boolean parkedCostsNoThread) {
    if (feedRefresh == null || feedRefresh.compareTo(rotationInterval == null ? Duration.ZERO : rotationInterval) < 0) {
      throw new IllegalArgumentException("feedRefresh must be at least the rotation interval " + rotationInterval
          + ", was " + feedRefresh);
    }
    if (connections < 1) {
      throw new IllegalArgumentException("a watch budget needs at least 1 connection, was " + connections);
    }
    if (growBackEvery == null || growBackEvery.isNegative() || growBackEvery.isZero()) {
      throw new IllegalArgumentException("growBackEvery must be positive, was " + growBackEvery);
    }
    if (rotationInterval == null || rotationInterval.isNegative()) {
      throw new IllegalArgumentException("rotationInterval must not be negative, was " + rotationInterval);
    }
    return new WatchBudget(connections, growBackEvery, rotationInterval, feedRefresh, System::nanoTime,
        new ExecutorTimer(),
        bound -> bound <= 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextLong(bound + 1),
        parkedCostsNoThread);
  }

  /** The configured number of connections. */
  public int maxConnections() {
    return limit.max();
  }

  /** The connections allowed now: the maximum, or less after a 429 until it has grown back. */
  public synchronized int connections() {
    return limit.current(clock.getAsLong());
  }

  /**
   * Whether the budget counts parked queries as HTTP/2 streams now: every agent that answered lately spoke h2, and
   * a parked query costs no platform thread (Java 24+). Then {@value BudgetLimit#STREAMS_PER_CONNECTION} parked
   * queries count as one connection.
   */
  public synchronized boolean multiplexed() {
    return multiplexedLocked();
  }

  private boolean multiplexedLocked() {
    return parkedCostsNoThread && !http2ByAgent.isEmpty() && !http2ByAgent.containsValue(Boolean.FALSE);
  }

  /** Parked slots now: per connection one query over HTTP/1.1, many over HTTP/2. Must hold the lock. */
  private int slotsLocked(long now) {
    int current = limit.current(now);
    return multiplexedLocked() ? BudgetLimit.multiplexedSlots(current) : BudgetLimit.slots(current);
  }

  /**
   * An agent answered one of this budget's members over HTTP/2 ({@code http2}) or HTTP/1.1. When that changes
   * whether the budget is {@link #multiplexed()}, the slots are handed out again at once.
   *
   * @param agent the agent's address (no credentials)
   */
  void answeredOver(String agent, boolean http2) {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      boolean before = multiplexedLocked();
      Boolean previous = http2ByAgent.put(agent, http2);
      if ((previous != null && previous == http2) || before == multiplexedLocked() || entries.isEmpty()) {
        return;
      }
      long now = clock.getAsLong();
      LOG.debug("watch budget {}: agent {} answers over {}", this, agent, http2 ? "HTTP/2" : "HTTP/1.1");
      rebalance(now, actions);
      dispatch(now, actions);
    }
    actions.forEach(Runnable::run);
  }

  /** Queries holding a parked blocking query now. */
  public synchronized int parked() {
    return parked;
  }

  /** Queries watched through this budget now. */
  public synchronized int members() {
    return entries.size();
  }

  /** How many times an agent refused one of this budget's connections with HTTP 429. */
  public synchronized long rejections() {
    return rejections;
  }

  /** Change feeds running now (for tests and diagnostics). */
  public synchronized int feeds() {
    int n = 0;
    for (Feed f : feeds.values()) {
      n += f.running ? 1 : 0;
    }
    return n;
  }

  /** Queued members resting on a feed's word, beyond one rotation interval (for tests). */
  synchronized int resting() {
    long now = clock.getAsLong();
    int n = 0;
    for (Entry e : queue) {
      n += e.feed != null && e.feed.vouching && e.dueNanos - (now + rotationNanos) > 0 ? 1 : 0;
    }
    return n;
  }

  /** Rotation reads in flight now (for tests). */
  synchronized int polling() {
    return polling;
  }

  /** {@code observer} hears of every refusal until {@link #unobserve}; for metrics. */
  void observe(dev.discovery.spi.DiscoveryObserver observer) {
    observers.add(observer);
  }

  void unobserve(dev.discovery.spi.DiscoveryObserver observer) {
    observers.remove(observer);
  }

  // ---- members ----

  /**
   * A member finished a read outside a parked slot (its first read, or its rotation turn), or joins: it gets a
   * free slot if there is one, else it is queued to be read again after the rotation interval, or after
   * {@code delayNanos} if longer (a back-off after an error).
   */
  void done(BudgetMember member, long delayNanos) {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      long now = clock.getAsLong();
      Entry e = entries.get(member);
      boolean again = false;
      // A newcomer's first read may have been answered before its feed's baseline: no long rest after it.
      boolean newcomer = e == null;
      if (e == null) {
        Feed feed = null;
        if (member.feed() != null) {
          feed = feeds.computeIfAbsent(member.feed(), Feed::new);
          feed.members++;
        }
        e = new Entry(member, nextSeq++, feed);
        entries.put(member, e);
        if (tick == null) {
          tick = timer.schedule(this::onTick, TICK_NANOS);
        }
      } else if (e.state == State.POLLING) {
        polling--;
        again = e.again;
        e.again = false;
      } else if (e.state == State.QUEUED) {
        queue.remove(e);
      } else {
        parked--;
      }
      if (delayNanos <= 0 && parked + feedConnections < slotsLocked(now)) {
        e.state = State.PARKED;
        parked++;
        actions.add(member::park);
      } else {
        long rest = again ? 0 : newcomer ? rotationNanos : restNanos(e);
        enqueue(e, now + Math.max(rest, delayNanos));
        e.backingOff = delayNanos > 0;
      }
      dispatch(now, actions);
    }
    actions.forEach(Runnable::run);
  }

  /** A parked member must wait {@code delayNanos} (a back-off): it gives its slot up meanwhile. */
  void backOff(BudgetMember member, long delayNanos) {
    done(member, Math.max(1, delayNanos));
  }

  /** The member's query was closed. */
  void leave(BudgetMember member) {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      Entry e = entries.remove(member);
      if (e == null) {
        return;
      }
      if (e.feed != null && --e.feed.members == 0) {
        feeds.remove(e.feed.feed);
        if (e.feed.running) {
          e.feed.running = false;
          feedConnections -= e.feed.feed.connections();
          actions.add(e.feed.feed::stop);
        }
      }
      switch (e.state) {
        case PARKED -> parked--;
        case POLLING -> polling--;
        case QUEUED -> queue.remove(e);
        default -> { }
      }
      if (entries.isEmpty()) {
        cancelTimers();
        timer.idle(); // under the lock, so that a member joining now finds the timer ready again
      } else {
        dispatch(clock.getAsLong(), actions);
      }
    }
    actions.forEach(Runnable::run);
  }

  /**
   * An agent refused a connection with HTTP 429 ({@code limits.http_max_conns_per_client}): halve the budget
   * (once per burst), and the lowest-ranked parked members give their slots up.
   *
   * @param agent the agent's address (no credentials)
   * @param consulText what the agent said, scrubbed
   * @param poolConnections connections the reporting discovery's pool held at the time
   */
  void rejected(String agent, String consulText, int poolConnections) {
    List<Runnable> actions = new ArrayList<>();
    int budgetNow;
    synchronized (this) {
      long now = clock.getAsLong();
      rejections++;
      int before = limit.current(now);
      boolean cut = limit.rejected(now);
      budgetNow = limit.current(now);
      if (cut) {
        cutLocked(now, before, agent, consulText, poolConnections, actions);
      }
    }
    actions.forEach(Runnable::run);
    for (dev.discovery.spi.DiscoveryObserver o : observers) {
      try {
        o.connectionRefused("consul-http", budgetNow);
      } catch (RuntimeException e) {
        LOG.debug("an observer threw on connectionRefused", e);
      }
    }
  }

  /** Must hold the lock. Says so once (then at debug) and takes the slots beyond the new limit back. */
  private void cutLocked(long now, int before, String agent, String consulText, int poolConnections,
      List<Runnable> actions) {
    int after = limit.current(now);
    String said = consulText == null || consulText.isBlank() ? "" : " (Consul: " + consulText.strip() + ")";
    String text = "consul agent " + agent + " refused a connection with HTTP 429" + said + " while this process"
        + " held " + poolConnections + " connection(s) to it (" + parked + " parked blocking queries, " + polling
        + " rotation reads); its limits.http_max_conns_per_client is lower than what the clients on this host use"
        + " together. The watch budget shrinks from " + before + " to " + after + " connection(s) and grows back"
        + " slowly; cached answers keep being served. Raise the agent's limit, or give the discoveries of this"
        + " process one smaller WatchBudget";
    if (!warned) {
      warned = true;
      LOG.warn(text);
    } else {
      LOG.debug(text);
    }
    rebalance(now, actions);
    dispatch(now, actions);
  }

  // ---- change feeds ----

  /** The feed has its baseline: it vouches for its members from now on, each read once after it. */
  void feedReady(FeedMember feed) {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      Feed f = feeds.get(feed);
      if (f == null || !f.running || f.vouching) {
        return;
      }
      f.vouching = true;
      f.failures = 0;
      long now = clock.getAsLong();
      wakeLocked(f, FeedDiff.Changes.ALL, now);
      dispatch(now, actions);
    }
    actions.forEach(Runnable::run);
  }

  /** The feed says these services may have changed: their queries outside the slots are read at once. */
  void feedChanged(FeedMember feed, FeedDiff.Changes changes) {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      Feed f = feeds.get(feed);
      if (f == null || !f.running || !f.vouching || changes.none()) {
        return;
      }
      long now = clock.getAsLong();
      wakeLocked(f, changes, now);
      dispatch(now, actions);
    }
    actions.forEach(Runnable::run);
  }

  /**
   * The feed failed (an error, a 429, an agent switch) and has stopped: its members go back to the rotation, and
   * the feed may start again after {@code retryNanos}.
   */
  void feedLost(FeedMember feed, long retryNanos) {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      Feed f = feeds.get(feed);
      if (f == null || !f.running) {
        return;
      }
      long now = clock.getAsLong();
      f.failures++;
      f.retryAtNanos = now + Math.max(0, retryNanos);
      stopLocked(f, now);
      dispatch(now, actions);
    }
    actions.forEach(Runnable::run);
  }

  /** Must hold the lock. The feed no longer runs: its queued members are due within one rotation interval. */
  private void stopLocked(Feed f, long now) {
    f.running = false;
    f.vouching = false;
    feedConnections -= f.feed.connections();
    List<Entry> revert = new ArrayList<>();
    for (Entry e : queue) {
      if (e.feed == f && e.dueNanos - (now + rotationNanos) > 0) {
        revert.add(e);
      }
    }
    for (Entry e : revert) {
      queue.remove(e);
      e.dueNanos = now + rotationNanos;
      queue.add(e);
    }
  }

  /** Must hold the lock. The members of {@code f} that {@code changes} names are read as soon as a lane is free. */
  private void wakeLocked(Feed f, FeedDiff.Changes changes, long now) {
    List<Entry> due = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.feed != f || !changes.names(e.member.service())) {
        continue;
      }
      if (e.state == State.POLLING) {
        e.again = true; // its read may have been answered before the change
      } else if (e.state == State.QUEUED && !e.backingOff && e.dueNanos - now > 0) {
        due.add(e);
      }
    }
    if (due.size() > queue.size() / 4) {
      for (Entry e : due) {
        e.dueNanos = now;
      }
      List<Entry> all = new ArrayList<>(queue);
      queue.clear();
      queue.addAll(all);
    } else {
      for (Entry e : due) {
        queue.remove(e);
        e.dueNanos = now;
        queue.add(e);
      }
    }
  }

  /** Must hold the lock. How long a member rests after a read: less while no feed vouches for it. */
  private long restNanos(Entry e) {
    if (e.feed != null && e.feed.vouching) {
      long half = feedRefreshNanos / 2;
      return Math.max(rotationNanos, feedRefreshNanos - half + spread.applyAsLong(half));
    }
    return rotationNanos;
  }

  /**
   * Must hold the lock. Which feeds should run, given the ranking: one whose members outside the member slots
   * outnumber its connections (one already running: any member outside), as long as the feeds leave a slot for a
   * member. Returns the member slots that remain.
   */
  private int placeFeeds(long now, List<Entry> ranked, int slots, List<Runnable> actions) {
    if (feeds.isEmpty()) {
      return slots;
    }
    int memberSlots = Math.max(0, slots - feedConnections);
    Map<Feed, Integer> outside = new HashMap<>();
    for (int i = memberSlots; i < ranked.size(); i++) {
      Feed f = ranked.get(i).feed;
      if (f != null) {
        outside.merge(f, 1, Integer::sum);
      }
    }
    List<Feed> wanted = new ArrayList<>();
    for (Map.Entry<Feed, Integer> o : outside.entrySet()) {
      Feed f = o.getKey();
      boolean worth = f.running ? o.getValue() >= 1 : o.getValue() > f.feed.connections();
      if (worth && (f.running || now - f.retryAtNanos >= 0)) {
        wanted.add(f);
      }
    }
    wanted.sort(Comparator.comparingInt((Feed f) -> -outside.get(f)));
    int used = 0;
    java.util.Set<Feed> keep = new java.util.HashSet<>();
    for (Feed f : wanted) {
      if (used + f.feed.connections() < slots) {
        used += f.feed.connections();
        keep.add(f);
      }
    }
    for (Feed f : feeds.values()) {
      if (f.running && !keep.contains(f)) {
        stopLocked(f, now);
        actions.add(f.feed::stop);
      }
    }
    List<Runnable> starts = new ArrayList<>();
    for (Feed f : keep) {
      if (!f.running) {
        f.running = true;
        f.vouching = false;
        feedConnections += f.feed.connections();
        starts.add(f.feed::start);
      }
    }
    // Started after this pass's unparks (added later by the caller), so that connections are freed first.
    pendingStarts.addAll(starts);
    return Math.max(0, slots - feedConnections);
  }

  // ---- scheduling, under the lock ----

  /**
   * Earliest due first, then the first joined. Times are compared by their difference, as {@code System.nanoTime}
   * requires: its values may be anywhere, near overflow included.
   */
  private static int byDue(Entry a, Entry b) {
    int c = Long.signum(a.dueNanos - b.dueNanos);
    return c != 0 ? c : Long.compare(a.seq, b.seq);
  }

  private void enqueue(Entry e, long due) {
    e.state = State.QUEUED;
    e.dueNanos = due;
    e.backingOff = false;
    queue.add(e);
  }

  /** Starts rotation reads on free lanes, and arranges to be woken when the next one is due. */
  private void dispatch(long now, List<Runnable> actions) {
    int lanes = BudgetLimit.lanes(limit.current(now));
    while (polling < lanes && !queue.isEmpty() && queue.peek().dueNanos - now <= 0) {
      Entry e = queue.poll();
      e.state = State.POLLING;
      polling++;
      actions.add(e.member::poll);
    }
    if (!queue.isEmpty() && polling < lanes) {
      long due = queue.peek().dueNanos;
      if (wakeup == null || due - wakeupAt < 0) {
        if (wakeup != null) {
          wakeup.run();
        }
        wakeupAt = due;
        wakeup = timer.schedule(this::onWakeup, due - now);
      }
    }
  }

  /**
   * Gives the slots to the highest-ranked members: subscribed first, then recently read, then the oldest. Members
   * in a rotation read keep it and are placed when it ends.
   */
  private void rebalance(long now, List<Runnable> actions) {
    int allSlots = slotsLocked(now);
    List<Entry> ranked = new ArrayList<>(entries.values());
    // Ask each member once: the flags may change while sorting.
    Map<Entry, Integer> rank = new HashMap<>();
    for (Entry e : ranked) {
      rank.put(e, (e.member.subscribed() ? 2 : 0) + (e.member.recentlyUsed() ? 1 : 0));
    }
    ranked.sort(Comparator.<Entry>comparingInt(e -> -rank.get(e)).thenComparingLong(e -> e.seq));
    int slots = placeFeeds(now, ranked, allSlots, actions);
    List<Entry> promote = new ArrayList<>();
    for (int i = 0; i < ranked.size(); i++) {
      Entry e = ranked.get(i);
      if (i >= slots && e.state == State.PARKED) {
        parked--;
        enqueue(e, now);
        actions.add(e.member::unpark);
      } else if (i < slots && e.state == State.QUEUED && !(e.backingOff && e.dueNanos - now > 0)) {
        promote.add(e);
      }
    }
    for (Entry e : promote) {
      if (parked >= slots) {
        break;
      }
      queue.remove(e);
      e.state = State.PARKED;
      parked++;
      actions.add(e.member::park);
    }
    actions.addAll(pendingStarts);
    pendingStarts.clear();
  }

  private void onTick() {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      tick = null;
      if (entries.isEmpty()) {
        return;
      }
      long now = clock.getAsLong();
      rebalance(now, actions);
      dispatch(now, actions);
      tick = timer.schedule(this::onTick, TICK_NANOS);
    }
    actions.forEach(Runnable::run);
  }

  private void onWakeup() {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      wakeup = null;
      dispatch(clock.getAsLong(), actions);
    }
    actions.forEach(Runnable::run);
  }

  private void cancelTimers() {
    if (wakeup != null) {
      wakeup.run();
      wakeup = null;
    }
    if (tick != null) {
      tick.run();
      tick = null;
    }
  }

  @Override
  public synchronized String toString() {
    return "WatchBudget{" + limit.current(clock.getAsLong()) + "/" + limit.max() + " connections"
        + (multiplexedLocked() ? " over HTTP/2" : "") + ", " + parked
        + " parked, " + polling + " polling, " + feedConnections + " for change feeds, " + entries.size()
        + " members}";
  }

  /** The real timer: one daemon thread, started with the first member and ended when the last one leaves. */
  private static final class ExecutorTimer implements Timer {
    private ScheduledExecutorService executor;

    @Override
    public synchronized Runnable schedule(Runnable task, long delayNanos) {
      if (executor == null) {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
          Thread t = new Thread(r, "consul-watch-budget");
          t.setDaemon(true);
          return t;
        });
        e.setRemoveOnCancelPolicy(true);
        executor = e;
      }
      ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    }

    @Override
    public synchronized void idle() {
      if (executor != null) {
        executor.shutdownNow();
        executor = null;
      }
    }
  }
}
