/**
 * The backend-neutral service-discovery API: what a service instance is, how to ask for one, and the
 * exceptions lookups throw. Nothing here knows which registry answers.
 */
package dev.discovery;
