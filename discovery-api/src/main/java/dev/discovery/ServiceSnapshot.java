package dev.discovery;

import java.time.Duration;
import java.util.List;

/**
 * The cached answer to a query together with how fresh it is: for status pages, command-line tools and
 * anything that wants to say "stale" instead of failing.
 *
 * @param query the query answered
 * @param instances the last good answer
 * @param age time since the registry last confirmed this answer
 * @param stale whether the latest attempt to refresh it failed
 * @param lastError the latest refresh failure's message while stale, else {@code null}
 */
public record ServiceSnapshot(
    ServiceQuery query, List<ServiceInstance> instances, Duration age, boolean stale, String lastError) {}
