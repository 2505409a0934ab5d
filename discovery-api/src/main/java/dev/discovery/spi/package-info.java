/**
 * The service-provider interface a registry backend implements to plug into the shared cache: fetch once,
 * optionally watch. Applications do not use it directly.
 */
package dev.discovery.spi;
