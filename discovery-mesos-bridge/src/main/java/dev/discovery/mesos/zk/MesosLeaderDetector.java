package dev.discovery.mesos.zk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the leading Mesos master in ZooKeeper: the {@code json.info_} child of the Mesos path
 * with the lowest sequence number is the leader. Re-reads on every child change (one-shot watches,
 * re-armed on each read) and after every reconnect, so a session expiry, which drops watches and
 * the masters' ephemeral nodes alike, is followed too. The last known set is kept while ZooKeeper
 * is unreachable. A read that fails for any other reason (e.g. NoAuth: the --zk credentials do not match the
 * path's ACL) is retried with back-off, since no reconnect or watch would ever bring the next one.
 */
public final class MesosLeaderDetector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MesosLeaderDetector.class);
  static final String JSON_PREFIX = "json.info_";
  private static final String LEGACY_PREFIX = "info_";
  /** Re-read back-off after a failed read: doubles from the first to the last. */
  static final long FIRST_RETRY_MILLIS = 200;
  static final long MAX_RETRY_MILLIS = 10_000;
  /** How often one read starts over when the leader's node vanishes between listing and reading it. */
  private static final int VANISHED_REREADS = 5;

  private final CuratorFramework client;
  private final String path;
  private final Consumer<MasterSet> listener;
  private final ScheduledExecutorService refresher;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Watcher watcher = this::onEvent;
  private final ConnectionStateListener connectionListener = this::onConnectionState;
  private final Object lock = new Object();
  private MasterSet current = MasterSet.NONE;
  private boolean loaded;
  private boolean warnedLegacy;
  /** Why the last successful read found no leader; null when it found one (or nothing was read yet). */
  private NoLeader noLeader;
  /** The last read's failure other than a lost connection, e.g. NoAuth; null once a read succeeds. */
  private String readError;
  /** Refresher thread only: the pending re-read after a failure, and the back-off before the next one. */
  private ScheduledFuture<?> retry;
  private long retryMillis;

  /**
   * Creates a detector on a started (or starting) Curator client; {@code listener} is told about
   * every change of the master set, on the detector's own thread.
   */
  public MesosLeaderDetector(CuratorFramework client, String path, Consumer<MasterSet> listener) {
    this.client = Objects.requireNonNull(client, "client");
    this.path = Objects.requireNonNull(path, "path");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "mesos-leader-detector");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts following; returns at once, the first read happens in the background. */
  public void start() {
    client.getConnectionStateListenable().addListener(connectionListener);
    scheduleRefresh();
  }

  /** The last known masters; {@link MasterSet#NONE} until the first read. */
  public MasterSet current() {
    synchronized (lock) {
      return current;
    }
  }

  /**
   * Whether ZooKeeper has been read at least once since {@link #start()}: until then {@link #current()} is
   * {@link MasterSet#NONE} because nothing is known yet, not because no master is registered.
   */
  public boolean loaded() {
    synchronized (lock) {
      return loaded;
    }
  }

  /**
   * Why the last read of ZooKeeper found no leading master; null when it found one, or before the first read.
   */
  public NoLeader noLeader() {
    synchronized (lock) {
      return noLeader;
    }
  }

  /**
   * The last read's failure when it was not a lost connection (e.g. {@code KeeperErrorCode = NoAuth for /mesos});
   * null once a read succeeds. Such a read is retried with back-off.
   */
  public String readError() {
    synchronized (lock) {
      return readError;
    }
  }

  /**
   * Waits up to {@code timeout} for the first read of ZooKeeper (which may find no leader); returns
   * {@link #loaded()}.
   */
  public boolean awaitFirstRead(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!loaded) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return loaded;
    }
  }

  /**
   * Waits up to {@code timeout} for a leader to be known; returns the set, whose leader may still
   * be null on time-out.
   */
  public MasterSet awaitLeader(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (current.leader() == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return current;
    }
  }

  private void onEvent(WatchedEvent event) {
    if (event.getType() != Watcher.Event.EventType.None) {
      scheduleRefresh();
    }
  }

  private void onConnectionState(CuratorFramework c, ConnectionState state) {
    if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
      // CONNECTED is the first connection: nothing was read before, so "re-reading" would be wrong then.
      LOG.info("ZooKeeper {}; {} Mesos masters under {}", state,
          state == ConnectionState.CONNECTED ? "reading" : "re-reading", path);
      scheduleRefresh();
    } else if (state == ConnectionState.LOST || state == ConnectionState.SUSPENDED) {
      LOG.warn("ZooKeeper connection {}; keeping the last known Mesos leader until it is back", state);
    }
  }

  private void scheduleRefresh() {
    if (closed.get()) {
      return;
    }
    try {
      refresher.execute(this::refresh);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void refresh() {
    if (closed.get()) {
      return;
    }
    Read next;
    try {
      next = readSettled();
    } catch (KeeperException.NoNodeException e) {
      next = new Read(MasterSet.NONE, new NoLeader(NoLeader.Reason.PATH_MISSING, "the path " + path
          + " does not exist"));
      try {
        client.checkExists().usingWatcher(watcher).forPath(path);
      } catch (Exception ex) {
        LOG.debug("could not watch {} for creation", path, ex);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      failed(e);
      return;
    }
    retryMillis = 0;
    boolean changed;
    boolean whyChanged;
    synchronized (lock) {
      changed = !loaded || !next.set().equals(current);
      whyChanged = !Objects.equals(next.why(), noLeader);
      current = next.set();
      noLeader = next.why();
      readError = null;
      loaded = true;
      lock.notifyAll();
    }
    if (next.why() != null && (changed || whyChanged)) {
      LOG.warn("no leading Mesos master under {} in ZooKeeper {}: {}", path, ensemble(), next.why().detail());
    } else if (changed) {
      LOG.info("leading Mesos master {} at {} ({} master(s) registered)", next.set().leader().id(),
          next.set().leader().baseUrl(), next.set().masters().size());
    }
    if (changed) {
      try {
        listener.accept(next.set());
      } catch (RuntimeException e) {
        LOG.warn("master-set listener failed", e);
      }
    }
  }

  /**
   * Keeps what was known and reads again after a back-off: a lost connection is also followed by the reconnect
   * listener, but a refused read (NoAuth, an ACL, a server error) would otherwise never be read again.
   */
  private void failed(Exception e) {
    boolean connection = connectionTrouble(e);
    String error = e instanceof LeaderVanished || e instanceof KeeperException ? e.getMessage() : e.toString();
    boolean sayIt;
    synchronized (lock) {
      sayIt = connection || !error.equals(readError);
      if (!connection) {
        readError = error;
      }
    }
    retryMillis = retryMillis == 0 ? FIRST_RETRY_MILLIS : Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
    if (sayIt) {
      LOG.warn("could not read the Mesos masters under {} from ZooKeeper {}: {}; reading again in {} ms"
          + " (backing off up to {} s)", path, ensemble(), error, retryMillis, MAX_RETRY_MILLIS / 1000);
    } else {
      LOG.debug("could not read the Mesos masters under {}: {}; reading again in {} ms", path, error, retryMillis);
    }
    if (closed.get() || (retry != null && !retry.isDone())) {
      return;
    }
    try {
      retry = refresher.schedule(() -> {
        retry = null; // this one runs now: a failure here schedules the next
        refresh();
      }, retryMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // closing
    }
  }

  private static boolean connectionTrouble(Exception e) {
    return e instanceof KeeperException.ConnectionLossException || e instanceof KeeperException.SessionExpiredException
        || e instanceof KeeperException.SessionMovedException || e instanceof KeeperException.OperationTimeoutException;
  }

  /** The ensemble as Curator connects to it (host:port list; ZooKeeper credentials are never part of it). */
  private String ensemble() {
    return client.getZookeeperClient().getCurrentConnectionString();
  }

  /** One read's outcome: the set, and why it has no leader (null when it has one). */
  private record Read(MasterSet set, NoLeader why) {}

  /** The leader's node went between listing and reading it: a normal Mesos leader change, not "no leader". */
  private static final class LeaderVanished extends Exception {
    LeaderVanished(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads until the leader's node stays put while it is read; a vanished node is a leader change in progress. */
  private Read readSettled() throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return read();
      } catch (LeaderVanished e) {
        if (attempt >= VANISHED_REREADS) {
          throw e;
        }
        LOG.debug("{}; reading again", e.getMessage());
      }
    }
  }

  private Read read() throws Exception {
    List<String> children = client.getChildren().usingWatcher(watcher).forPath(path);
    List<String> json = new ArrayList<>();
    boolean legacy = false;
    for (String c : children) {
      if (c.startsWith(JSON_PREFIX) && sequence(c) >= 0) {
        json.add(c);
      } else if (c.startsWith(LEGACY_PREFIX)) {
        legacy = true;
      }
    }
    if (json.isEmpty() && legacy && !warnedLegacy) {
      warnedLegacy = true;
      LOG.warn("only protobuf info_ nodes under {}: Mesos before 0.24 is not supported; use --mesos", path);
    }
    if (json.isEmpty()) {
      return new Read(MasterSet.NONE, new NoLeader(NoLeader.Reason.NO_MASTERS, "no json.info_ node under " + path
          + (legacy ? " (only protobuf info_ nodes, from a Mesos before 0.24)" : "")));
    }
    json.sort(Comparator.comparingLong(MesosLeaderDetector::sequence));
    MasterInfo leader = null;
    String leaderUnreadable = null;
    Map<String, MasterInfo> all = new LinkedHashMap<>();
    for (int i = 0; i < json.size(); i++) {
      String child = json.get(i);
      byte[] data;
      try {
        data = client.getData().forPath(path + "/" + child);
      } catch (KeeperException.NoNodeException gone) {
        if (i == 0) {
          throw new LeaderVanished("the leading master's node " + path + "/" + child + " vanished while it was read");
        }
        continue;
      }
      try {
        MasterInfo info = MasterInfoReader.read(data);
        if (i == 0) {
          leader = info;
        }
        all.putIfAbsent(info.id(), info);
      } catch (IllegalArgumentException e) {
        LOG.warn("ignoring {}/{}: {}", path, child, e.getMessage());
        if (i == 0) {
          leaderUnreadable = "the leading master's node " + path + "/" + child + " cannot be read: " + e.getMessage();
        }
      }
    }
    // A lower node we cannot read must not make the next one look like the leader.
    MasterSet set = new MasterSet(leader, new ArrayList<>(all.values()));
    return new Read(set, leader != null ? null : new NoLeader(NoLeader.Reason.LEADER_UNREADABLE, leaderUnreadable));
  }

  static long sequence(String child) {
    int underscore = child.lastIndexOf('_');
    String digits = child.substring(underscore + 1);
    if (digits.isEmpty()) {
      return -1;
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Stops following; does not close the Curator client. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.getConnectionStateListenable().removeListener(connectionListener);
      refresher.shutdownNow();
    }
  }
}
