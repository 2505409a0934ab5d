/**
 * Choosing the instance to call: load balancers (round robin, random, smooth weighted round robin, power of
 * two choices on calls in flight, nearest first for answers sorted {@code near} a node) and
 * {@link dev.discovery.balance.ServiceSelector}, which adds outlier ejection on top of discovery.
 */
package dev.discovery.balance;
