/**
 * The service-provider interface a registry backend implements to plug into the shared cache: fetch once,
 * optionally watch. Applications do not use it directly. Also the hooks beside it: {@link
 * dev.discovery.spi.DiscoveryObserver} for metrics, and {@link dev.discovery.spi.Ticker}, the time source
 * tests replace.
 */
package dev.discovery.spi;
