package dev.discovery.cache;

import dev.discovery.spi.Ticker;
import java.time.Duration;

/**
 * The cache's tunables, fixed at build time, plus the backend's description for messages, its name for
 * metrics, the clock every age and idle time is measured on, and where last good answers are persisted
 * ({@link Persistence#OFF} unless asked for).
 */
record Settings(
    Duration refreshInterval, Duration maxStaleness, Duration loadTimeout, Duration errorBackoff,
    String backend, String backendName, Ticker ticker, Persistence persistence) {}
