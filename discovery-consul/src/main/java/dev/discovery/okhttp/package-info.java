/**
 * OkHttp integration: {@link dev.discovery.okhttp.DiscoveryInterceptor} sends requests for
 * {@code http://<service>.service/...} to instances chosen by a {@link dev.discovery.balance.ServiceSelector}.
 */
package dev.discovery.okhttp;
