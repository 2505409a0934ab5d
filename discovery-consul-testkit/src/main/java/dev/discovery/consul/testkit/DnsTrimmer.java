package dev.discovery.consul.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;

/**
 * Consul's response trimming ({@code trimUDPResponse}, {@code trimTCPResponse}, {@code syncExtra}): without EDNS
 * a UDP answer keeps at most {@code min(8, udp_answer_limit)} records and fits 512 bytes uncompressed; with EDNS
 * only the advertised size bounds it; TCP is bounded by 64 KiB only. The additional section is re-synced to the
 * SRV targets that remain. The response must not carry its OPT record yet (Consul adds it after trimming).
 */
final class DnsTrimmer {
  static final int DEFAULT_UDP_SIZE = 512;
  static final int MAX_UDP_SIZE = 65467;
  static final int MAX_UDP_ANSWER_LIMIT = 8;
  static final int MAX_TCP_SIZE = 65535;

  private DnsTrimmer() {}

  /** Trims a UDP response in place; returns true when answers were dropped. */
  static boolean trimUdp(Message request, Message response, int udpAnswerLimit) {
    int numAnswers = response.getSection(Section.ANSWER).size();
    boolean hasExtra = !response.getSection(Section.ADDITIONAL).isEmpty();
    int maxSize = DEFAULT_UDP_SIZE;
    OPTRecord opt = request.getOPT();
    if (opt != null && opt.getPayloadSize() > maxSize) {
      maxSize = opt.getPayloadSize();
    }
    maxSize = Math.min(maxSize, MAX_UDP_SIZE);
    Map<String, Record> index = hasExtra ? indexRecords(response.getSection(Section.ADDITIONAL)) : Map.of();
    int maxAnswers = Math.min(MAX_UDP_ANSWER_LIMIT, udpAnswerLimit);
    // Consul measures the uncompressed size only when it had to cut a plain 512-byte response by count.
    boolean uncompressed = false;
    if (maxSize == DEFAULT_UDP_SIZE && numAnswers > maxAnswers) {
      uncompressed = true;
      keepAnswers(response, maxAnswers, index, hasExtra);
    }
    while (answers(response).size() > 1 && size(response, uncompressed) > maxSize - 7) {
      response.removeAllRecords(Section.AUTHORITY);
      int best = answers(response).size() - 1;
      if (size(response, uncompressed) - maxSize > 100) {
        best = binaryTruncate(response, maxSize, index, hasExtra, uncompressed);
      }
      keepAnswers(response, best, index, hasExtra);
    }
    return answers(response).size() < numAnswers;
  }

  /** Trims a TCP response to what fits in one DNS/TCP message. */
  static boolean trimTcp(Message response) {
    int numAnswers = answers(response).size();
    boolean hasExtra = !response.getSection(Section.ADDITIONAL).isEmpty();
    Map<String, Record> index = hasExtra ? indexRecords(response.getSection(Section.ADDITIONAL)) : Map.of();
    while (answers(response).size() > 1 && size(response, false) > MAX_TCP_SIZE) {
      int best = binaryTruncate(response, MAX_TCP_SIZE, index, hasExtra, false);
      keepAnswers(response, Math.max(1, Math.min(best, answers(response).size() - 1)), index, hasExtra);
    }
    return answers(response).size() < numAnswers;
  }

  private static int binaryTruncate(Message response, int maxSize, Map<String, Record> index, boolean hasExtra,
      boolean uncompressed) {
    List<Record> original = new ArrayList<>(answers(response));
    int start = 0;
    int end = original.size() + 1;
    try {
      while (end - start > 1) {
        int median = start + (end - start) / 2;
        setAnswers(response, original.subList(0, median), index, hasExtra);
        int len = size(response, uncompressed);
        if (len <= maxSize) {
          if (maxSize - len < 10) {
            return median;
          }
          start = median;
        } else {
          end = median;
        }
      }
      return start;
    } finally {
      setAnswers(response, original, index, hasExtra);
    }
  }

  private static List<Record> answers(Message m) {
    return m.getSection(Section.ANSWER);
  }

  private static void keepAnswers(Message m, int count, Map<String, Record> index, boolean hasExtra) {
    List<Record> all = answers(m);
    setAnswers(m, new ArrayList<>(all.subList(0, Math.min(count, all.size()))), index, hasExtra);
  }

  private static void setAnswers(Message m, List<Record> keep, Map<String, Record> index, boolean hasExtra) {
    List<Record> copy = new ArrayList<>(keep);
    m.removeAllRecords(Section.ANSWER);
    for (Record r : copy) {
      m.addRecord(r, Section.ANSWER);
    }
    if (hasExtra) {
      syncExtra(m, index);
    }
  }

  /** Keeps only the additional records that resolve a remaining SRV target (following CNAMEs). */
  private static void syncExtra(Message m, Map<String, Record> index) {
    List<Record> extra = new ArrayList<>();
    Set<String> resolved = new HashSet<>();
    for (Record r : answers(m)) {
      if (!(r instanceof SRVRecord)) {
        continue;
      }
      String target = ((SRVRecord) r).getTarget().toString().toLowerCase(Locale.ROOT);
      while (resolved.add(target)) {
        Record found = index.get(target);
        if (found == null) {
          break;
        }
        extra.add(found);
        if (!(found instanceof CNAMERecord)) {
          break;
        }
        target = ((CNAMERecord) found).getTarget().toString().toLowerCase(Locale.ROOT);
      }
    }
    m.removeAllRecords(Section.ADDITIONAL);
    for (Record r : extra) {
      m.addRecord(r, Section.ADDITIONAL);
    }
  }

  /** First record per lower-cased owner name, like Consul's indexRRs. */
  private static Map<String, Record> indexRecords(List<Record> records) {
    Map<String, Record> index = new HashMap<>();
    for (Record r : records) {
      index.putIfAbsent(r.getName().toString().toLowerCase(Locale.ROOT), r);
    }
    return index;
  }

  /** The wire size of {@code m}, compressed as sent or uncompressed as Consul measures plain UDP answers. */
  static int size(Message m, boolean uncompressed) {
    if (!uncompressed) {
      return m.toWire().length;
    }
    int len = 12;
    for (Record q : m.getSection(Section.QUESTION)) {
      len += q.getName().length() + 4;
    }
    for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
      for (Record r : m.getSection(section)) {
        len += r.toWire(Section.ANSWER).length;
      }
    }
    return len;
  }
}
