package dev.discovery.balance;

/**
 * How many picks stay in the caller's zone: Envoy's zone-aware arithmetic, as its priority levels use it. Pure.
 *
 * <p>A zone counts as fully able to serve its callers while at least 1/1.4 (about 71 %) of its instances are
 * available: Envoy's default overprovisioning factor of 1.4 assumes a zone was sized with that headroom. Below
 * it, the zone keeps {@code 1.4 x available share} of the picks and the rest spill over to the instances of the
 * other zones, in proportion to how many of them are available (one level: every other zone together). With no
 * available instance left in the zone, everything spills over; with none elsewhere, everything stays.
 *
 * <p>"Available" means in the answer and not ejected, out of the most instances the zone had lately
 * ({@code expected}): instances whose checks fail leave Consul's answer, so the count alone would call a zone
 * that lost two of its three instances healthy.
 */
final class ZoneSplit {
  /** Envoy's default overprovisioning factor. */
  static final double OVERPROVISIONING = 1.4;
  /** Shares are kept as a fraction of this, so that a pick compares two ints. */
  static final int SCALE = 1 << 16;

  private ZoneSplit() {}

  /**
   * The share of picks, out of {@link #SCALE}, that go to the caller's zone.
   *
   * @param localAvailable the caller's zone's instances in the answer and not ejected
   * @param localExpected the most instances the caller's zone had lately (at least its count now)
   * @param remoteAvailable the other zones' instances in the answer and not ejected
   */
  static int localShare(int localAvailable, int localExpected, int remoteAvailable) {
    if (localAvailable <= 0) {
      return 0;
    }
    if (remoteAvailable <= 0) {
      return SCALE;
    }
    double available = (double) localAvailable / Math.max(localAvailable, localExpected);
    return (int) Math.round(Math.min(1.0, OVERPROVISIONING * available) * SCALE);
  }
}
