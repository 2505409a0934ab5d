/** The caching engine shared by every backend: memory-speed lookups kept fresh, stale-if-error, idle expiry. */
package dev.discovery.cache;
