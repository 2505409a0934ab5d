package dev.discovery.consul;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The connection pool, dispatcher and heartbeat thread that one or many {@link ConsulAgent}s share,
 * released when the last agent using them closes. Threads are daemons: an application that forgets to
 * close an agent still exits.
 */
final class AgentConnections {
  final OkHttpClient base;
  final ScheduledExecutorService scheduler;
  private int references = 1;

  AgentConnections() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor calls = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> daemon(r, "consul-agent-http-" + n.incrementAndGet()));
    Dispatcher dispatcher = new Dispatcher(calls);
    // One process may talk to a hundred agents (the Mesos bridge); each host still gets a few parallel calls.
    dispatcher.setMaxRequests(512);
    dispatcher.setMaxRequestsPerHost(16);
    this.base = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(5, 1, TimeUnit.MINUTES))
        // A pooled connection to an agent that restarted is dead; the agent API's PUTs are idempotent, so let
        // OkHttp retry on a fresh connection.
        .retryOnConnectionFailure(true)
        .build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "consul-agent-heartbeat"));
  }

  synchronized AgentConnections retain() {
    if (references == 0) {
      throw new IllegalStateException("the ConsulAgent to share connections with is closed");
    }
    references++;
    return this;
  }

  void release() {
    synchronized (this) {
      if (references == 0 || --references > 0) {
        return;
      }
    }
    scheduler.shutdownNow();
    base.dispatcher().cancelAll();
    base.dispatcher().executorService().shutdown();
    try {
      // Let cancelled calls return their connections, then close every pooled socket (bounded wait).
      base.dispatcher().executorService().awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    base.connectionPool().evictAll();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
