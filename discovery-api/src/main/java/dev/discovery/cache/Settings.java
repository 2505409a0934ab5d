package dev.discovery.cache;

import java.time.Duration;

/** The cache's tunables, fixed at build time, plus the backend's description for messages. */
record Settings(
    Duration refreshInterval, Duration maxStaleness, Duration loadTimeout, Duration errorBackoff,
    String backend) {}
