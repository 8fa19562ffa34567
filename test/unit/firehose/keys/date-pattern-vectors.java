// Golden vectors for src/firehose/keys/date-pattern.ts, from java.time itself (what Firehose runs
// `!{timestamp:...}` through). Regenerate with a JDK 17 (single-file launch, no build):
//   java test/unit/firehose/keys/date-pattern-vectors.java > test/unit/firehose/keys/date-pattern-vectors.json
// Locale.US, as Riffle assumes for AWS's JVM.
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public class DatePatternVectors {
  static final String[] INSTANTS = {
    "1970-01-01T00:00:00Z", "2018-08-27T10:30:00Z", "2018-07-06T23:15:42.007Z", "2020-12-31T23:59:59.999Z",
    "2021-01-01T12:00:00Z", "2024-02-29T05:06:07.123Z", "2026-03-08T09:59:59.999Z", "2026-03-08T10:00:00Z",
    "2026-11-01T08:30:00Z", "2026-11-01T09:30:00Z", "2026-12-27T00:00:00Z", "2027-01-02T18:00:00Z",
  };
  // Field letters: their outputs depend on the wall clock only.
  static final String[] FIELD_PATTERNS = {
    "G", "GG", "GGG", "GGGG", "GGGGG", "y", "yy", "yyy", "yyyy", "yyyyy", "u", "uu", "uuuu", "Y", "YY", "YYYY",
    "Q", "QQ", "QQQ", "QQQQ", "QQQQQ", "q", "qq", "qqq", "qqqq", "M", "MM", "MMM", "MMMM", "MMMMM", "L", "LL", "LLL", "LLLL",
    "w", "ww", "W", "d", "dd", "D", "DD", "DDD", "E", "EE", "EEE", "EEEE", "EEEEE", "e", "ee", "eee", "eeee", "eeeee",
    "c", "ccc", "cccc", "ccccc", "a", "h", "hh", "K", "KK", "k", "kk", "H", "HH", "m", "mm", "s", "ss",
    "S", "SS", "SSS", "SSSS", "SSSSSSSSS", "A", "n", "N", "g", "ggggg",
    "yyyy/MM/dd/HH/", "yyyy-MM-dd-HH-mm-ss", "'year='yyyy'/month='MM'/day='dd'/hour='HH", "yyyy'-'MM'-'dd",
    "yyyyMMdd'T'HHmmss", "''yy''", "'o''clock' h a", "[yyyy]-[MM]", "EEE, d MMM yyyy", "yyyy-'W'ww-e",
    "dd.MM.yyyy HH:mm:ss.SSS", "yy_MM_dd=HH", "",
  };
  // Offset and zone letters: outputs depend on the offset too.
  static final String[] ZONE_PATTERNS = {
    "VV", "O", "OOOO", "X", "XX", "XXX", "XXXX", "XXXXX", "x", "xx", "xxx", "xxxx", "xxxxx", "Z", "ZZ", "ZZZ", "ZZZZ", "ZZZZZ",
    "yyyy-MM-dd'T'HH:mm:ssXXX",
  };
  static final String[] FIELD_ZONES = { "UTC", "America/Los_Angeles" };
  static final String[] ZONES = {
    "UTC", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham", "Asia/Kathmandu",
  };
  // Patterns java.time may reject: the test holds Riffle to the same verdict.
  static final String[] VERDICTS = {
    "ddd", "HHH", "hhh", "kkk", "KKK", "mmm", "sss", "aa", "EEEEEE", "MMMMMM", "LLLLLL", "QQQQQQ", "qqqqqq", "GGGGGG", "eeeeee", "cc", "cccccc",
    "V", "VVV", "O", "OO", "OOO", "OOOOO", "XXXXXX", "xxxxxx", "ZZZZZZ", "zzzzz", "vv", "vvv", "BB", "BBB", "FF", "WW", "www", "DDDD",
    "SSSSSSSSSS", "p", "pp", "p1", "'abc", "]", "yyyy]", "[yyyy", "[[yyyy]", "#", "{", "}", "yyyy{", "''", "'", "z", "zzzz", "v", "vvvv", "B", "BBBB",
    "BBBBB", "F", "pd", "ppH", "y".repeat(19), "y".repeat(20), "A".repeat(19), "A".repeat(20), "n".repeat(20),
  };

  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  static void vectors(List<String> out, String[] patterns, String[] zones) {
    for (String p : patterns) {
      DateTimeFormatter f = DateTimeFormatter.ofPattern(p, Locale.US);
      for (String z : zones) {
        for (String i : INSTANTS) {
          Instant at = Instant.parse(i);
          out.add("[" + json(p) + "," + json(z) + "," + at.toEpochMilli() + "," + json(f.format(ZonedDateTime.ofInstant(at, ZoneId.of(z)))) + "]");
        }
      }
    }
  }

  public static void main(String[] args) {
    List<String> letters = new ArrayList<>();
    for (char c = 'A'; c <= 'z'; c++) {
      if (c > 'Z' && c < 'a') continue;
      boolean ok;
      try { DateTimeFormatter.ofPattern(String.valueOf(c), Locale.US); ok = true; } catch (IllegalArgumentException e) { ok = false; }
      letters.add(json(String.valueOf(c)) + ":" + ok);
    }
    List<String> verdicts = new ArrayList<>();
    for (String p : VERDICTS) {
      String v;
      try { DateTimeFormatter.ofPattern(p, Locale.US); v = "null"; } catch (IllegalArgumentException e) { v = json(e.getMessage()); }
      verdicts.add(json(p) + ":" + v);
    }
    List<String> out = new ArrayList<>();
    vectors(out, FIELD_PATTERNS, FIELD_ZONES);
    vectors(out, ZONE_PATTERNS, ZONES);
    System.out.println("{\"java\":" + json(System.getProperty("java.version")) + ",");
    System.out.println("\"singleLetters\":{" + String.join(",", letters) + "},");
    System.out.println("\"verdicts\":{\n" + String.join(",\n", verdicts) + "},");
    System.out.println("\"vectors\":[\n" + String.join(",\n", out) + "]}");
  }
}
