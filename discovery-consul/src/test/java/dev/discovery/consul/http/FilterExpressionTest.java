package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.ServiceQuery;
import org.junit.jupiter.api.Test;

/** The filter expression sent per query: what is generated, how it is combined, and bexpr's string quoting. */
class FilterExpressionTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");

  @Test
  void nothingToFilterSendsNoFilter() {
    assertThat(FilterExpression.of(WEB, null)).isNull();
    assertThat(FilterExpression.of(WEB.withTags("v2").withNodeMeta("rack", "r1").near("_agent"), null)).isNull();
  }

  @Test
  void aLoneExpressionIsSentAsWritten() {
    assertThat(FilterExpression.of(WEB, "Service.Port == 80")).isEqualTo("Service.Port == 80");
    assertThat(FilterExpression.of(WEB.withFilter("Node.Meta.zone == a"), null)).isEqualTo("Node.Meta.zone == a");
    assertThat(FilterExpression.of(WEB.withServiceMeta("version", "2"), null))
        .isEqualTo("Service.Meta.version == \"2\"");
    assertThat(FilterExpression.of(WEB.withAnyTag("blue", "green"), null))
        .isEqualTo("\"blue\" in Service.Tags or \"green\" in Service.Tags");
  }

  @Test
  void severalArePartsParenthesisedAndJoinedWithAndInAStableOrder() {
    ServiceQuery q = WEB.withFilter("Service.Port == 80 or Service.Port == 81")
        .withServiceMeta("version", "2").withServiceMeta("env", "prod").withAnyTag("green", "blue");
    assertThat(FilterExpression.of(q, "Node.Meta.zone == a or Node.Meta.zone == b")).isEqualTo(
        "(Node.Meta.zone == a or Node.Meta.zone == b) and (Service.Port == 80 or Service.Port == 81)"
            + " and (Service.Meta.env == \"prod\") and (Service.Meta.version == \"2\")"
            + " and (\"blue\" in Service.Tags or \"green\" in Service.Tags)");
  }

  @Test
  void aKeyThatIsNoIdentifierIsIndexed() {
    assertThat(FilterExpression.of(WEB.withServiceMeta("build-id", "7"), null))
        .isEqualTo("Service.Meta[\"build-id\"] == \"7\"");
    assertThat(FilterExpression.metaSelector("Service", "9lives")).isEqualTo("Service.Meta[\"9lives\"]");
    assertThat(FilterExpression.metaSelector("Node", "zone_1")).isEqualTo("Node.Meta.zone_1");
  }

  @Test
  void stringsAreQuotedSoThatGoReadsThemBackExactly() {
    assertThat(FilterExpression.literal("plain")).isEqualTo("\"plain\"");
    assertThat(FilterExpression.literal("")).isEqualTo("\"\"");
    // A '"' would end the literal even after a backslash (grammar.peg), so it is a Go \x22 escape.
    assertThat(FilterExpression.literal("say \"hi\"")).isEqualTo("\"say \\x22hi\\x22\"");
    assertThat(FilterExpression.literal("C:\\dir")).isEqualTo("\"C:\\\\dir\"");
    assertThat(FilterExpression.literal("a`b ü")).isEqualTo("\"a`b ü\"");
  }
}
