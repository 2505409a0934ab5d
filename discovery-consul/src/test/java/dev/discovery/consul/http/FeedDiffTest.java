package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a change feed concludes from two answers of each source. Pure. */
class FeedDiffTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String check(String node, String id, String service, long modify) {
    return "{\"Node\":\"" + node + "\",\"CheckID\":\"" + id + "\",\"Name\":\"n\",\"Status\":\"passing\","
        + "\"Output\":\"\",\"ServiceID\":\"x\",\"ServiceName\":\"" + service + "\",\"ServiceTags\":[\"a\"],"
        + "\"Definition\":{\"Interval\":\"10s\"},\"CreateIndex\":1,\"ModifyIndex\":" + modify + "}";
  }

  private static Map<String, FeedDiff.Check> checks(String... rows) throws IOException {
    return FeedDiff.parseChecks(bytes("[" + String.join(",", rows) + "]"));
  }

  @Test
  void aRewrittenAddedOrRemovedServiceCheckNamesItsServiceLowerCased() throws IOException {
    var before = checks(check("n1", "serfHealth", "", 5), check("n1", "c1", "Web", 7), check("n2", "c2", "db", 8));
    var after = checks(check("n1", "serfHealth", "", 5), check("n1", "c1", "Web", 9), check("n2", "c3", "api", 10));
    FeedDiff.Changes c = FeedDiff.checks(before, after);
    assertThat(c.all()).isFalse();
    assertThat(c.services()).containsExactlyInAnyOrder("web", "db", "api");
    assertThat(c.names("WEB")).isTrue();
    assertThat(c.names("other")).isFalse();
  }

  @Test
  void aNodeLevelCheckNamesEveryService() throws IOException {
    var before = checks(check("n1", "serfHealth", "", 5), check("n1", "c1", "web", 7));
    assertThat(FeedDiff.checks(before, checks(check("n1", "serfHealth", "", 6), check("n1", "c1", "web", 7))).all())
        .isTrue();
    assertThat(FeedDiff.checks(before, checks(check("n1", "c1", "web", 7))).all()).as("node check gone").isTrue();
  }

  @Test
  void theCatalogNamesServicesThatAppearGoOrChangeTags() throws IOException {
    var before = FeedDiff.parseCatalog(bytes("{\"consul\":[],\"web\":[\"v1\"],\"db\":[\"primary\"]}"));
    var after = FeedDiff.parseCatalog(bytes("{\"consul\":[],\"web\":[\"v1\",\"v2\"],\"API\":[]}"));
    assertThat(FeedDiff.catalog(before, after).services()).containsExactlyInAnyOrder("web", "db", "api");
    assertThat(FeedDiff.catalog(before, before).none()).isTrue();
  }

  @Test
  void anIndexThatMovedWithoutAVisibleDifferenceNamesAll() {
    assertThat(FeedDiff.of(FeedDiff.Changes.NONE, 10, 12).all()).as("e.g. an instance added, same tags").isTrue();
    assertThat(FeedDiff.of(FeedDiff.Changes.NONE, 10, 10).none()).as("the wait ended, nothing moved").isTrue();
    FeedDiff.Changes named = new FeedDiff.Changes(false, Set.of("web"));
    assertThat(FeedDiff.of(named, 10, 12)).isEqualTo(named);
  }

  @Test
  void anUnusableAnswerIsRefused() {
    assertThatThrownBy(() -> FeedDiff.parseChecks(bytes("{}"))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> FeedDiff.parseChecks(bytes("[{\"Node\":\"n\"}]"))).hasMessageContaining("CheckID");
    assertThatThrownBy(() -> FeedDiff.parseChecks(bytes("[{\"Node\":"))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> FeedDiff.parseCatalog(bytes("{\"web\":3}"))).hasMessageContaining("web");
    assertThatThrownBy(() -> FeedDiff.parseCatalog(bytes("[]"))).isInstanceOf(IOException.class);
  }

  @Test
  void readsConsulsOwnCatalogSample() throws IOException {
    assertThat(FeedDiff.parseCatalog(bytes(dev.discovery.consul.Fixtures.consul("catalog-services.json"))))
        .containsKey("consul");
  }
}
