package dev.discovery.mesos.bridge;

/** A flag's value cannot work; the message is one line naming the flag and the problem. */
final class ConfigException extends Exception {
  ConfigException(String flag, String problem) {
    super(flag + ": " + problem);
  }
}
