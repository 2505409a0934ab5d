/**
 * Implementation shared by this project's own modules; <strong>not API</strong>. Nothing here is covered by
 * compatibility promises: classes and methods may change or go in any release. Applications use the public
 * packages ({@code dev.discovery.consul}, {@code dev.discovery.consul.http}, {@code dev.discovery.consul.dns}).
 *
 * <p>The same idea as OkHttp's {@code okhttp3.internal}: the public classes stay small, and the rules that every
 * HTTP call to an agent must follow live here once, in {@link dev.discovery.consul.internal.AgentTransport}, for
 * the discovery backend and {@link dev.discovery.consul.ConsulAgent} alike:
 * <ul>
 *   <li>which agent addresses are accepted ({@link dev.discovery.consul.internal.AgentAddress});</li>
 *   <li>the ACL token, token file and HTTP basic credentials, and the scrubbing of every one of them from text
 *       that came from the network ({@link dev.discovery.consul.internal.Credentials});</li>
 *   <li>TLS ({@link dev.discovery.consul.internal.TlsSetup});</li>
 *   <li>the cap on response bodies and the bounded read of error text;</li>
 *   <li>what a status code from Consul means ({@link dev.discovery.consul.internal.AgentStatus}) and how
 *       {@code X-Consul-Index} moves ({@link dev.discovery.consul.internal.ConsulIndex}).</li>
 * </ul>
 */
package dev.discovery.consul.internal;
