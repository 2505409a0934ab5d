package dev.discovery.mesos.bridge;

/** The Mesos master's state could not be read this pass; the pass is skipped, nothing is deregistered. */
final class MesosUnavailableException extends Exception {
  MesosUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  MesosUnavailableException(String message) {
    super(message);
  }
}
