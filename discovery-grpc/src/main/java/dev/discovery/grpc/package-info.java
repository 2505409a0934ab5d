/**
 * gRPC-java integration: {@link dev.discovery.grpc.ConsulNameResolverProvider} resolves {@code consul:///service}
 * targets from Consul's health API and pushes every change to the channel, and
 * {@link dev.discovery.grpc.GrpcServerRegistration} registers a running gRPC server with its Consul agent.
 * gRPC itself ({@code grpc-api}) is the application's own dependency.
 */
package dev.discovery.grpc;
