package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.internal.HealthParser;
import dev.discovery.consul.internal.InvalidAnswerException;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import io.smallrye.stork.servicediscovery.consul.ConsulConfiguration;
import io.smallrye.stork.servicediscovery.consul.ConsulServiceDiscovery;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.consul.ServiceEntry;
import io.vertx.ext.consul.ServiceEntryList;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;
import org.kiwiproject.consul.cache.ServiceHealthKey;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.util.Jackson;
import org.kiwiproject.fasterxml.jackson.core.type.TypeReference;
import org.kiwiproject.fasterxml.jackson.databind.ObjectReader;
import org.kiwiproject.google.common.collect.ImmutableMap;

/**
 * Figure 5's work, per library: turn one {@code /v1/health/service} body into what the library keeps, with
 * each library's own code. Where that code is not public, it is called by reflection on the library's real
 * objects rather than imitated, so a peer is measured doing exactly what it does when its watch returns:
 * <ul>
 *   <li>ours: the HTTP backend's parser, then the cache's {@code onAnswer} (validation, comparison with the
 *       last answer, swap), through the public backend SPI;</li>
 *   <li>kiwi: its Jackson mapping ({@code Jackson.MAPPER}, as its Retrofit converter reads the body into
 *       {@code List<ServiceHealth>}), then {@code ConsulCache.convertToMap} (the immutable map its
 *       ServiceHealthCache holds, keyed by {@link ServiceHealthKey});</li>
 *   <li>Stork: the Vert.x Consul client's parsing ({@link JsonArray} of the body, each entry through its
 *       {@code ServiceEntryParser}, into a {@link ServiceEntryList}), then Stork's
 *       {@code ConsulServiceDiscovery.toStorkServiceInstances}, which matches every entry against the
 *       previous list to keep instance IDs stable.</li>
 * </ul>
 */
final class HealthAnswers {
  private HealthAnswers() {}

  /** The body the agent sends for {@code GET /v1/health/service/<service>?passing}. */
  static byte[] fetch(ConsulTestAgent agent, String service) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<byte[]> response = http.send(
        HttpRequest.newBuilder(URI.create(agent.httpUri() + "/v1/health/service/" + service + "?passing"))
            .timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("agent answered " + response.statusCode() + " for " + service);
    }
    return response.body();
  }

  /** Ours: a cache whose backend is fed by hand, so an answer is applied exactly as a watch applies it. */
  static final class Ours implements AutoCloseable {
    private final ServiceQuery query;
    private final PushBackend backend = new PushBackend();
    private final CachingDiscovery cache = CachingDiscovery.builder(backend).build();

    Ours(String service) {
      this.query = ServiceQuery.of(service);
    }

    /** Parses a body as our HTTP backend does with default options (no tagged address). */
    List<ServiceInstance> parse(byte[] body) {
      try {
        return HealthParser.parse(body, query, null).instances();
      } catch (InvalidAnswerException e) {
        throw new IllegalArgumentException("not a health answer: " + e.getMessage(), e);
      }
    }

    /** Parses and applies; returns what lookups now see. */
    List<ServiceInstance> parseAndApply(byte[] body) {
      List<ServiceInstance> instances = parse(body);
      WatchListener listener = backend.listener;
      if (listener == null) {
        CompletableFuture<List<ServiceInstance>> first = cache.instancesAsync(query);
        listener = backend.listener;
        if (listener == null) {
          throw new IllegalStateException("the cache did not start a watch for " + query);
        }
        listener.onAnswer(Answer.of(instances));
        return first.join();
      }
      listener.onAnswer(Answer.of(instances));
      return cache.instances(query);
    }

    @Override
    public void close() {
      cache.close();
    }
  }

  /** A watch-capable backend that does no I/O: the benchmark hands it the answers. */
  private static final class PushBackend implements DiscoveryBackend {
    volatile WatchListener listener;

    @Override
    public String describe() {
      return "benchmark push backend";
    }

    @Override
    public CompletableFuture<Answer> fetch(ServiceQuery query) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException("answers are pushed"));
    }

    @Override
    public boolean supportsWatch() {
      return true;
    }

    @Override
    public Watch watch(ServiceQuery query, WatchListener listener) {
      this.listener = listener;
      return () -> this.listener = null;
    }

    @Override
    public void close() {}
  }

  /** kiwi consul-client 1.12.1. */
  static final class Kiwi implements AutoCloseable {
    private static final ObjectReader READER = Jackson.MAPPER.readerFor(new TypeReference<List<ServiceHealth>>() {});
    private final Consul client;
    private final ServiceHealthCache cache;
    private final Method convertToMap;

    Kiwi(ConsulTestAgent agent, String service) throws Exception {
      client = Clients.kiwiClient(agent);
      cache = ServiceHealthCache.newCache(client.healthClient(), service); // never started: no I/O
      convertToMap = Class.forName("org.kiwiproject.consul.cache.ConsulCache")
          .getDeclaredMethod("convertToMap", ConsulResponse.class);
      convertToMap.setAccessible(true);
    }

    List<ServiceHealth> parse(byte[] body) throws Exception {
      return READER.readValue(body);
    }

    @SuppressWarnings("unchecked")
    ImmutableMap<ServiceHealthKey, ServiceHealth> parseAndApply(byte[] body) throws Exception {
      ConsulResponse<List<ServiceHealth>> response =
          new ConsulResponse<>(parse(body), 0, true, BigInteger.ONE, Optional.empty());
      return (ImmutableMap<ServiceHealthKey, ServiceHealth>) invoke(convertToMap, cache, response);
    }

    @Override
    public void close() {
      client.destroy();
    }
  }

  /** Stork 2.7.9 over the Vert.x Consul client 4.5. */
  static final class Stork implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final ConsulServiceDiscovery discovery;
    private final Method parseEntry;
    private final Method toInstances;

    Stork(ConsulTestAgent agent, String service) throws Exception {
      Constructor<ConsulServiceDiscovery> constructor = ConsulServiceDiscovery.class
          .getDeclaredConstructor(String.class, ConsulConfiguration.class, Vertx.class);
      constructor.setAccessible(true);
      discovery = constructor.newInstance(service, new ConsulConfiguration()
          .withConsulHost("127.0.0.1").withConsulPort(Integer.toString(agent.httpPort()))
          .withApplication(service), vertx);
      parseEntry = Class.forName("io.vertx.ext.consul.impl.ServiceEntryParser")
          .getDeclaredMethod("parse", JsonObject.class);
      parseEntry.setAccessible(true);
      toInstances = ConsulServiceDiscovery.class
          .getDeclaredMethod("toStorkServiceInstances", ServiceEntryList.class, List.class);
      toInstances.setAccessible(true);
    }

    /** What the Vert.x client hands Stork: the body as a JsonArray, each entry parsed to a ServiceEntry. */
    ServiceEntryList parse(byte[] body) throws Exception {
      JsonArray array = new JsonArray(Buffer.buffer(body));
      List<ServiceEntry> entries = new ArrayList<>(array.size());
      for (Object entry : array) {
        entries.add((ServiceEntry) invoke(parseEntry, null, (JsonObject) entry));
      }
      return new ServiceEntryList().setList(entries).setIndex(1);
    }

    /** Parses and converts to Stork's instances, matching against {@code previous} as each refresh does. */
    @SuppressWarnings("unchecked")
    List<io.smallrye.stork.api.ServiceInstance> parseAndApply(byte[] body,
        List<io.smallrye.stork.api.ServiceInstance> previous) throws Exception {
      return (List<io.smallrye.stork.api.ServiceInstance>) invoke(toInstances, discovery, parse(body), previous);
    }

    @Override
    public void close() throws Exception {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static Object invoke(Method method, Object target, Object... args) throws Exception {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
  }
}
