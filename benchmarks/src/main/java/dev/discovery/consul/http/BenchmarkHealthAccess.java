package dev.discovery.consul.http;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import java.util.List;

/**
 * For the benchmarks only (it lives in the benchmarks module, in this package to reach a package-private
 * class): the parser our HTTP backend runs on every {@code /v1/health/service} body, so that figure 5 can
 * time parsing apart from the network.
 */
public final class BenchmarkHealthAccess {
  private BenchmarkHealthAccess() {}

  /** Parses a health body exactly as the HTTP backend does with default options (no tagged address). */
  public static List<ServiceInstance> parse(byte[] body, ServiceQuery query) {
    try {
      return HealthParser.parse(body, query, null).instances();
    } catch (InvalidAnswerException e) {
      throw new IllegalArgumentException("not a health answer: " + e.getMessage(), e);
    }
  }
}
