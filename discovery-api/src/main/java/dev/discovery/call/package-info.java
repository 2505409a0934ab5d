/**
 * The outgoing-call policy every client integration shares: {@link dev.discovery.call.CallPolicy} chooses an
 * instance through a {@link dev.discovery.balance.ServiceSelector}, makes the call through a small
 * {@link dev.discovery.call.Attempt} (or {@link dev.discovery.call.AsyncAttempt}) the integration supplies,
 * reports how it went, and retries an idempotent call once on another instance after a connection failure.
 * The OkHttp interceptor and the JDK {@code HttpClient} wrapper are thin adapters over it.
 */
package dev.discovery.call;
