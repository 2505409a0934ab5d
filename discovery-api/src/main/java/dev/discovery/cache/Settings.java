package dev.discovery.cache;

import dev.discovery.spi.Ticker;
import java.time.Duration;

/**
 * The cache's tunables, fixed at build time, plus the backend's description for messages, its name for
 * metrics, and the clock every age and idle time is measured on.
 */
record Settings(
    Duration refreshInterval, Duration maxStaleness, Duration loadTimeout, Duration errorBackoff,
    String backend, String backendName, Ticker ticker) {}
