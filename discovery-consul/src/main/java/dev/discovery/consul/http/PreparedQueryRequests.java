package dev.discovery.consul.http;

import dev.discovery.ServiceQuery;
import okhttp3.HttpUrl;

/**
 * Plans the {@code /v1/query/:name/execute} URL for a {@linkplain ServiceQuery#preparedQuery prepared query}. Pure.
 * Only {@code dc}, {@code near} and the consistency options apply: the selection is the prepared query's own.
 * Never {@code index}/{@code wait}: executing a prepared query is not a blocking query in Consul (api-docs/query.mdx,
 * "Blocking Queries: NO"), so the cache refreshes it on its interval instead of watching it.
 */
final class PreparedQueryRequests {
  private PreparedQueryRequests() {}

  static HttpUrl url(HttpUrl agent, ServiceQuery query, HttpOptions options) {
    HttpUrl.Builder u = agent.newBuilder().addPathSegments("v1/query").addPathSegment(query.service())
        .addPathSegment("execute");
    String dc = query.datacenter() != null ? query.datacenter() : options.datacenter;
    if (dc != null) {
      u.addQueryParameter("dc", dc);
    }
    HealthRequests.addNearAndConsistency(u, query, options);
    return u.build();
  }
}
