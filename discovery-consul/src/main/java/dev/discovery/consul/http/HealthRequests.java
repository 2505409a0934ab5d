package dev.discovery.consul.http;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceQuery;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.HttpUrl;

/** Plans the {@code /v1/health/service/:service} URL for a query. Pure. The token never goes here. */
final class HealthRequests {
  private HealthRequests() {}

  /**
   * The URL on {@code agent} for {@code query}: {@code index}/{@code wait} only when {@code index > 0}
   * (index 0 asks for an immediate answer).
   */
  static HttpUrl url(HttpUrl agent, ServiceQuery query, HttpOptions options, long index) {
    HttpUrl.Builder u = agent.newBuilder().addPathSegments("v1/health/service").addPathSegment(query.service());
    String dc = query.datacenter() != null ? query.datacenter() : options.datacenter;
    if (dc != null) {
      u.addQueryParameter("dc", dc);
    }
    for (String tag : new java.util.TreeSet<>(query.tags())) {
      u.addQueryParameter("tag", tag);
    }
    if (query.health() == HealthFilter.PASSING) {
      u.addQueryParameter("passing", null);
    }
    String filter = FilterExpression.of(query, options.filter);
    if (filter != null) {
      u.addQueryParameter("filter", filter);
    }
    for (Map.Entry<String, String> m : nodeMeta(query, options).entrySet()) {
      u.addQueryParameter("node-meta", m.getKey() + ":" + m.getValue());
    }
    addNearAndConsistency(u, query, options);
    if (index > 0) {
      u.addQueryParameter("index", Long.toString(index));
      u.addQueryParameter("wait", waitParameter(options.waitTime));
    }
    return u.build();
  }

  /**
   * The client-wide node metadata with the query's added, sorted by key. A key both set is sent once, with the
   * query's value: Consul keeps the last value of a repeated key anyway ({@code parseMetaFilter} in
   * {@code agent/http.go} fills a map), and the query is the more specific of the two.
   */
  static Map<String, String> nodeMeta(ServiceQuery query, HttpOptions options) {
    Map<String, String> all = new TreeMap<>(options.nodeMeta);
    all.putAll(query.nodeMeta());
    return all;
  }

  /** Go duration text, in milliseconds as HashiCorp's client sends it. */
  static String waitParameter(Duration wait) {
    return Math.max(1, wait.toMillis()) + "ms";
  }

  /** How long to allow a blocking call: the wait, Consul's jitter of up to wait/16, and a margin. */
  static Duration blockingTimeout(Duration wait, Duration margin) {
    return wait.plus(wait.dividedBy(16)).plus(margin);
  }

  /**
   * The parameters a health read and a prepared-query execution share: the query's {@code near} (else the
   * client's), and the client's {@code stale} and {@code cached} reads.
   */
  static void addNearAndConsistency(HttpUrl.Builder u, ServiceQuery query, HttpOptions options) {
    String near = query.near() != null ? query.near() : options.near;
    if (near != null) {
      u.addQueryParameter("near", near);
    }
    if (options.stale) {
      u.addQueryParameter("stale", null);
    }
    if (options.cached) {
      u.addQueryParameter("cached", null);
    }
  }
}
