package dev.discovery.cache;

import java.time.Duration;

/** The cache's tunables, fixed at build time, plus the backend's description for messages and its name for metrics. */
record Settings(
    Duration refreshInterval, Duration maxStaleness, Duration loadTimeout, Duration errorBackoff,
    String backend, String backendName) {}
