package dev.discovery.mesos.zk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
 * is unreachable.
 */
public final class MesosLeaderDetector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MesosLeaderDetector.class);
  static final String JSON_PREFIX = "json.info_";
  private static final String LEGACY_PREFIX = "info_";

  private final CuratorFramework client;
  private final String path;
  private final Consumer<MasterSet> listener;
  private final ExecutorService refresher;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Watcher watcher = this::onEvent;
  private final ConnectionStateListener connectionListener = this::onConnectionState;
  private final Object lock = new Object();
  private MasterSet current = MasterSet.NONE;
  private boolean loaded;
  private boolean warnedLegacy;

  /**
   * Creates a detector on a started (or starting) Curator client; {@code listener} is told about
   * every change of the master set, on the detector's own thread.
   */
  public MesosLeaderDetector(CuratorFramework client, String path, Consumer<MasterSet> listener) {
    this.client = Objects.requireNonNull(client, "client");
    this.path = Objects.requireNonNull(path, "path");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.refresher = Executors.newSingleThreadExecutor(r -> {
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
    MasterSet next;
    try {
      next = read();
    } catch (KeeperException.NoNodeException e) {
      LOG.warn("ZooKeeper path {} does not exist (yet); no Mesos master registered", path);
      next = MasterSet.NONE;
      try {
        client.checkExists().usingWatcher(watcher).forPath(path);
      } catch (Exception ex) {
        LOG.debug("could not watch {} for creation", path, ex);
      }
    } catch (Exception e) {
      // Connection trouble: keep what we knew; the reconnect listener triggers the next read.
      LOG.warn("could not read Mesos masters from ZooKeeper {}: {}", path, e.toString());
      return;
    }
    boolean changed;
    synchronized (lock) {
      changed = !loaded || !next.equals(current);
      current = next;
      loaded = true;
      lock.notifyAll();
    }
    if (changed) {
      if (next.leader() == null) {
        LOG.warn("no leading Mesos master registered under {}", path);
      } else {
        LOG.info("leading Mesos master {} at {} ({} master(s) registered)", next.leader().id(),
            next.leader().baseUrl(), next.masters().size());
      }
      try {
        listener.accept(next);
      } catch (RuntimeException e) {
        LOG.warn("master-set listener failed", e);
      }
    }
  }

  private MasterSet read() throws Exception {
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
    json.sort(Comparator.comparingLong(MesosLeaderDetector::sequence));
    MasterInfo leader = null;
    Map<String, MasterInfo> all = new LinkedHashMap<>();
    for (int i = 0; i < json.size(); i++) {
      String child = json.get(i);
      byte[] data;
      try {
        data = client.getData().forPath(path + "/" + child);
      } catch (KeeperException.NoNodeException gone) {
        if (i == 0) {
          // The leader's node vanished between list and read; the watch fires and we read again.
          return new MasterSet(null, List.of());
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
      }
    }
    // A lower node we cannot read must not make the next one look like the leader.
    return new MasterSet(leader, new ArrayList<>(all.values()));
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
