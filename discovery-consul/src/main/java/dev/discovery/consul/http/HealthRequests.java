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
    if (options.filter != null) {
      u.addQueryParameter("filter", options.filter);
    }
    for (Map.Entry<String, String> m : new TreeMap<>(options.nodeMeta).entrySet()) {
      u.addQueryParameter("node-meta", m.getKey() + ":" + m.getValue());
    }
    if (options.near != null) {
      u.addQueryParameter("near", options.near);
    }
    if (options.stale) {
      u.addQueryParameter("stale", null);
    }
    if (options.cached) {
      u.addQueryParameter("cached", null);
    }
    if (index > 0) {
      u.addQueryParameter("index", Long.toString(index));
      u.addQueryParameter("wait", waitParameter(options.waitTime));
    }
    return u.build();
  }

  /** Go duration text, in milliseconds as HashiCorp's client sends it. */
  static String waitParameter(Duration wait) {
    return Math.max(1, wait.toMillis()) + "ms";
  }

  /** How long to allow a blocking call: the wait, Consul's jitter of up to wait/16, and a margin. */
  static Duration blockingTimeout(Duration wait, Duration margin) {
    return wait.plus(wait.dividedBy(16)).plus(margin);
  }


}
