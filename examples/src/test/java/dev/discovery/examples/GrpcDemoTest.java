package dev.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The README's grpc-demo command, run as a test: even spread over three servers, then two after one leaves. */
class GrpcDemoTest {

  @Test
  void grpcDemoSpreadsCallsOverThreeServersAndFollowsADeregistration() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "grpc-demo");
    String output = out.toString();

    assertThat(exit).as(output + err).isZero();
    assertThat(output).contains("registered in Consul as service 'echo'");
    // Round robin: 10 each (one either way should gRPC swap its picker meanwhile), then only the two left.
    assertThat(output).containsPattern("30 calls: \\{echo-1=(9|10|11), echo-2=(9|10|11), echo-3=(9|10|11)}");
    assertThat(output).contains("echo-2 deregistered and stopped")
        .containsPattern("30 calls: \\{echo-1=1[4-6], echo-3=1[4-6]} \\(none failed\\)");
    assertThat(output).contains("Done.");
  }
}
