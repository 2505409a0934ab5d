package dev.discovery.mesos.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.mesos.Fixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MasterInfoReaderTest {
  private static MasterInfo read(String json) {
    return MasterInfoReader.read(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsFixturePreferringAddress() {
    MasterInfo m = MasterInfoReader.read(Fixtures.mesos(Fixtures.ZK_INFO));
    assertThat(m).isEqualTo(new MasterInfo("31953f3e-15f7-4f83-8d94-c2384f40b723", "10.0.5.220", 5050,
        "10.0.5.220", "1.8.0"));
    assertThat(m.baseUrl()).isEqualTo("http://10.0.5.220:5050");
  }

  @Test
  void addressIpWinsOverPackedIp() {
    MasterInfo m = read("{\"id\":\"a\",\"ip\":16777343,\"port\":5050,"
        + "\"address\":{\"hostname\":\"m1\",\"ip\":\"10.9.8.7\",\"port\":5051}}");
    assertThat(m.host()).isEqualTo("10.9.8.7");
    assertThat(m.port()).isEqualTo(5051);
  }

  @Test
  void packedIpIsLittleEndian() {
    assertThat(read("{\"id\":\"a\",\"ip\":16777343,\"port\":5050}").host()).isEqualTo("127.0.0.1");
    assertThat(read("{\"id\":\"a\",\"ip\":3691315210,\"port\":5050}").host()).isEqualTo("10.0.5.220");
    assertThat(MasterInfoReader.unpackIpv4(151060746)).isEqualTo("10.1.1.9");
  }

  @Test
  void ipv6AddressIsKeptAndBracketedInUrl() {
    MasterInfo m = read("{\"id\":\"a\",\"address\":{\"ip\":\"2001:db8::5\",\"port\":5050}}");
    assertThat(m.baseUrl()).isEqualTo("http://[2001:db8::5]:5050");
  }

  @Test
  void badDataSaysWhat() {
    assertThatThrownBy(() -> read("\u0008\u0001garbage")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> read("{\"ip\":1}")).hasMessageContaining("no id");
    assertThatThrownBy(() -> read("{\"id\":\"x\"}")).hasMessageContaining("neither");
  }

  /** Found by {@link MasterInfoReaderPropertyTest}: a blank address.ip was taken as the host of the master's URL. */
  @Test
  void aBlankAddressIpCountsAsAbsent() {
    MasterInfo m = read("{\"id\":\"380\",\"address\":{\"ip\":\" \",\"port\":5050},\"hostname\":\"10.0.5.220\"}");
    assertThat(m.baseUrl()).isEqualTo("http://10.0.5.220:5050");
    assertThatThrownBy(() -> read("{\"id\":\"380\",\"address\":{\"ip\":\"10.0 .5.220\",\"port\":5050}}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'10.0 .5.220'");
  }

  /**
   * Found by {@link MasterInfoReaderPropertyTest}: a port of the wrong type became the default 5050, and one above
   * 2^32 wrapped around (4294972346 read as 5050, 4294967376 as 80).
   */
  @Test
  void aPortThatIsNotAPortNumberIsRefusedWithTheValue() {
    assertThatThrownBy(() -> read("{\"id\":\"m\",\"ip\":16777343,\"port\":{}}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MasterInfo m has port {}");
    assertThatThrownBy(() -> read("{\"id\":\"m\",\"address\":{\"ip\":\"10.0.0.1\",\"port\":4294967376}}"))
        .hasMessageContaining("address.port 4294967376, not a port number within 1..65535");
    assertThatThrownBy(() -> read("{\"id\":\"m\",\"address\":{\"ip\":\"10.0.0.1\",\"port\":\"5050\"}}"))
        .hasMessageContaining("address.port \"5050\"");
  }
}
