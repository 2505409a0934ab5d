package dev.discovery.mesos.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.mesos.Fixtures;
import dev.discovery.consul.Mutations;
import dev.discovery.consul.Property;
import java.util.LinkedHashMap;
import okhttp3.HttpUrl;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Properties of the ZooKeeper MasterInfo reader: any znode data gives a master with a usable address or an
 * {@link IllegalArgumentException} saying what is wrong, and well-formed data in each of the three address
 * forms Mesos has written reads back as the master it names.
 */
class MasterInfoReaderPropertyTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final byte[] SAMPLE = Fixtures.mesos(Fixtures.ZK_INFO);

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void randomAndDamagedDataFailOnlyWithIllegalArgumentOrGiveAUsableMaster() {
    int[] outcomes = new int[2];
    Property.forAllBytes("MasterInfo reader on bad input", 3000, r -> Mutations.anyBadInput(r, SAMPLE), data -> {
      MasterInfo m;
      try {
        m = MasterInfoReader.read(data);
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).startsWith("MasterInfo");
        outcomes[0]++;
        return;
      }
      assertThat(m.id()).isNotEmpty();
      assertThat(m.host()).isNotBlank();
      assertThat(m.port()).isBetween(1, 65535);
      HttpUrl url = HttpUrl.parse(m.baseUrl());
      assertThat(url).as("the URL the bridge reads the state from").isNotNull();
      assertThat(url.port()).isEqualTo(m.port());
      outcomes[1]++;
    });
    assertThat(outcomes[0]).as("refused").isGreaterThan(100);
    assertThat(outcomes[1]).as("read").isGreaterThan(100);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aPortThatIsNotAnIntegerWithinRangeIsRefusedNotWrappedOrRounded() {
    String[] bad = {"0", "-1", "65536", "4294972346", "4294967376", "9223372036854775807", "5050.5", "1e3",
        "\"5050\"", "true", "[5050]", "{}"};
    Property.forAll("MasterInfo port check", 200, r -> {
      String port = bad[r.nextInt(bad.length)];
      return r.nextBoolean()
          ? "{\"id\":\"m\",\"address\":{\"ip\":\"10.0.0.1\",\"port\":" + port + "}}"
          : "{\"id\":\"m\",\"ip\":16777343,\"port\":" + port + "}";
    }, s -> s, json -> assertThatThrownBy(() -> MasterInfoReader.read(json.getBytes()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port"));
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void wellFormedDataReadsBackAsTheMasterItNames() {
    Property.forAll("MasterInfo round trip", 500, MasterInfoReaderPropertyTest::masterInfo, g -> g.json.toString(),
        g -> assertThat(MasterInfoReader.read(MAPPER.writeValueAsBytes(g.json))).isEqualTo(g.expected));
  }

  private record Generated(Map<String, Object> json, MasterInfo expected) {}

  private static Generated masterInfo(Random r) {
    String id = "m-" + Long.toHexString(r.nextLong());
    int port = 1 + r.nextInt(65535);
    String hostname = "master-" + r.nextInt(100) + ".example.com";
    String version = "1." + r.nextInt(12) + ".0";
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id);
    json.put("version", version);
    int a = 1 + r.nextInt(254);
    int b = r.nextInt(256);
    String v4 = "10." + a + "." + b + ".7";
    switch (r.nextInt(4)) {
      case 0: // Mesos 1.x: address object, IPv4
        json.put("address", Map.of("ip", v4, "port", port, "hostname", hostname));
        return new Generated(json, new MasterInfo(id, v4, port, hostname, version));
      case 1: { // address object, IPv6
        String v6 = "2001:db8::" + Integer.toHexString(a);
        json.put("address", Map.of("ip", v6, "port", port, "hostname", hostname));
        return new Generated(json, new MasterInfo(id, v6, port, hostname, version));
      }
      case 2: { // Mesos 0.24: packed little-endian IPv4 and a port at the top level
        long packed = 10L | ((long) a << 8) | ((long) b << 16) | (7L << 24);
        json.put("ip", packed);
        json.put("port", port);
        json.put("hostname", hostname);
        return new Generated(json, new MasterInfo(id, v4, port, hostname, version));
      }
      default: // only a host name; the port defaults to 5050 when absent
        json.put("hostname", hostname);
        boolean withPort = r.nextBoolean();
        if (withPort) {
          json.put("port", port);
        }
        return new Generated(json, new MasterInfo(id, hostname, withPort ? port : 5050, hostname, version));
    }
  }
}
