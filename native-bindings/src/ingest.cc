// See ingest.h. Every read is bounds-checked against the frame length before it happens; the
// fuzz test in test/unit/native compares this with the TypeScript twin on random and cut frames.
#include "ingest.h"

#include <cstring>

#include "md5.h"

namespace riffle {
namespace {

// The record limits any stream takes, as src/limits.ts defines them (RECORD_BYTES_LIMIT: data, and
// data plus key, at most 10 MiB; PARTITION_KEY_CHARS_MAX); test/unit/native/limits.test.ts holds
// both to it. A stream's own, smaller, maximum is checked by the caller (kinesis/record-size.ts).
constexpr uint32_t kRecordBytesMax = 10 * 1024 * 1024;
constexpr uint32_t kKeyUnitsMax = 256;

inline uint32_t LoadLe16(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8); }
inline uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline void StoreLe16(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
inline void StoreLe32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

// Strict UTF-8 as the WHATWG decoder with fatal: true accepts it (no overlongs, no surrogates,
// nothing above U+10FFFF). Returns the length in UTF-16 code units, or -1 if invalid. A leading
// byte order mark is an ordinary character here (as TextDecoder with ignoreBOM: true sees it): a
// key's bytes are hashed and stored as sent, as PutRecords does with a key starting with U+FEFF.
int64_t Utf16Units(const uint8_t* s, size_t n) {
  size_t i = 0;
  int64_t units = 0;
  while (i < n) {
    // Eight ASCII bytes at a time.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        units += 8;
        continue;
      }
    }
    const uint8_t b = s[i];
    if (b < 0x80) {
      i++;
      units++;
      continue;
    }
    size_t extra;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return -1;
    }
    if (n - i <= extra) return -1;  // sequence cut by the end
    if (s[i + 1] < lo || s[i + 1] > hi) return -1;
    for (size_t k = 2; k <= extra; k++) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return -1;
    }
    i += extra + 1;
    units += extra == 3 ? 2 : 1;
  }
  return units;
}

}  // namespace

uint32_t FindRange(const uint8_t* starts, size_t shardCount, const uint8_t key[16]) {
  size_t lo = 0, hi = shardCount - 1;
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    if (std::memcmp(starts + 16 * mid, key, 16) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return uint32_t(lo);
}

int32_t ScanIngest(const uint8_t* frame, size_t len, size_t pos, uint32_t count, uint32_t* spans, int32_t err[4]) {
  int32_t rule = kScanOk;
  int32_t ruleErr[4] = {0, 0, 0, 0};
  auto fail = [&](int32_t status, uint32_t record, size_t at, size_t need, int32_t detail) {
    err[0] = int32_t(record);
    err[1] = int32_t(at);
    err[2] = int32_t(need);
    err[3] = detail;
    return status;
  };
  for (uint32_t i = 0; i < count; i++) {
    if (len - pos < 3) return fail(kTruncated, i, pos, 3, kFieldHeader);
    const uint32_t flags = frame[pos];
    const uint32_t keyLen = LoadLe16(frame + pos + 1);
    pos += 3;
    if ((flags & ~1u) != 0) return fail(kRecordFlags, i, pos, 0, int32_t(flags));
    uint32_t hashOff = 0;
    if (flags & 1u) {
      if (len - pos < 16) return fail(kTruncated, i, pos, 16, kFieldHashKey);
      hashOff = uint32_t(pos);
      pos += 16;
    }
    if (len - pos < keyLen) return fail(kTruncated, i, pos, keyLen, kFieldKey);
    const int64_t units = Utf16Units(frame + pos, keyLen);
    if (units < 0) return fail(kKeyUtf8, i, pos, 0, 0);
    const uint32_t keyOff = uint32_t(pos);
    pos += keyLen;
    if (len - pos < 4) return fail(kTruncated, i, pos, 4, kFieldDataLength);
    const uint32_t dataLen = LoadLe32(frame + pos);
    pos += 4;
    if (len - pos < dataLen) return fail(kTruncated, i, pos, dataLen, kFieldData);
    const uint32_t dataOff = uint32_t(pos);
    pos += dataLen;
    uint32_t* span = spans + kSpanWords * i;
    span[0] = keyOff;
    span[1] = keyLen;
    span[2] = dataOff;
    span[3] = dataLen;
    span[4] = hashOff;
    if (rule == kScanOk) {
      int32_t r = kScanOk;
      if (units < 1 || units > kKeyUnitsMax) r = kKeyLength;
      else if (dataLen > kRecordBytesMax) r = kDataSize;
      else if (uint64_t(keyLen) + dataLen > kRecordBytesMax) r = kRecordSize;
      if (r != kScanOk) {
        rule = r;
        ruleErr[0] = int32_t(i);
        ruleErr[1] = int32_t(keyOff);
        ruleErr[3] = int32_t(units);
      }
    }
  }
  if (pos != len) return fail(kTrailing, count, pos, 0, 0);
  if (rule != kScanOk) std::memcpy(err, ruleErr, sizeof(ruleErr));
  return rule;
}

void RouteSpans(const uint8_t* frame, const uint32_t* spans, uint32_t count, const uint8_t* starts, size_t shardCount,
                uint32_t* out) {
  // Keys in chunks (pointers and digests on the stack), hashed eight at a time where possible.
  constexpr size_t kChunk = 256;
  const uint8_t* ptrs[kChunk];
  uint32_t lens[kChunk];
  uint32_t which[kChunk];
  uint8_t digests[kChunk * 16];
  size_t n = 0;
  auto flush = [&]() {
    Md5ManyPtrs(ptrs, lens, n, digests);
    for (size_t j = 0; j < n; j++) out[which[j]] = FindRange(starts, shardCount, digests + 16 * j);
    n = 0;
  };
  for (uint32_t i = 0; i < count; i++) {
    const uint32_t* span = spans + kSpanWords * i;
    if (span[4] != 0) {
      out[i] = FindRange(starts, shardCount, frame + span[4]);
      continue;
    }
    ptrs[n] = frame + span[0];
    lens[n] = span[1];
    which[n] = i;
    if (++n == kChunk) flush();
  }
  if (n > 0) flush();
}

size_t PackIngest(const uint8_t* frame, const uint32_t* spans, uint32_t count, const uint32_t* routes,
                  const uint32_t* shardGids, const uint32_t* shardOwners, size_t shardCount, int32_t owner, uint8_t* dst,
                  size_t dstLen) {
  size_t at = 0;
  for (uint32_t i = 0; i < count; i++) {
    const uint32_t shard = routes[i];
    if (shard >= shardCount) return SIZE_MAX;
    if (owner >= 0 && shardOwners[shard] != uint32_t(owner)) continue;
    const uint32_t* span = spans + kSpanWords * i;
    const size_t need = kIngestRecordFixedBytes + span[1] + span[3];
    if (dstLen - at < need) return SIZE_MAX;
    uint8_t* p = dst + at;
    StoreLe32(p, shardGids[shard]);
    StoreLe16(p + 4, span[1]);
    StoreLe32(p + 6, span[3]);
    std::memcpy(p + kIngestRecordFixedBytes, frame + span[0], span[1]);
    std::memcpy(p + kIngestRecordFixedBytes + span[1], frame + span[2], span[3]);
    at += need;
  }
  return at;
}

}  // namespace riffle
