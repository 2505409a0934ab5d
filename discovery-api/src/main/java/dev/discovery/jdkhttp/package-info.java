/**
 * {@code java.net.http} integration: {@link dev.discovery.jdkhttp.DiscoveryHttpClient} sends requests for
 * {@code http://<service>.service/...} to instances chosen by a {@link dev.discovery.balance.ServiceSelector}.
 */
package dev.discovery.jdkhttp;
