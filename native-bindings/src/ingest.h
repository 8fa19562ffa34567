// The binary ingest hot path (docs/ws-protocol.md): read a PUT frame's records in place, route
// them, and copy each owner's records into its request message. No allocation, no state. The
// TypeScript twin is src/native/ingest.ts; both must give identical answers.
#pragma once
#include <cstddef>
#include <cstdint>

namespace riffle {

// Per record, five u32 in `spans`: key offset, key length (bytes), data offset, data length,
// explicit hash key offset (0 when the record has none; offset 0 is the frame type, never a key).
constexpr size_t kSpanWords = 5;

// Scan results. On an error, err[0] = record index, err[1] = byte position, err[2] = bytes needed
// (TRUNCATED) and err[3] = a detail: which field was cut (TRUNCATED), the flags (RECORD_FLAGS) or
// the key's length in UTF-16 code units (KEY_LENGTH). Structural errors (1-4) are reported for the
// first record that has one; rule errors (5-7) only when the whole frame is well formed.
enum ScanStatus : int32_t {
  kScanOk = 0,
  kTruncated = 1,
  kRecordFlags = 2,
  kKeyUtf8 = 3,
  kTrailing = 4,
  kKeyLength = 5,
  kDataSize = 6,
  kRecordSize = 7,
};
enum TruncatedField : int32_t { kFieldHeader = 0, kFieldHashKey = 1, kFieldKey = 2, kFieldDataLength = 3, kFieldData = 4 };

// Reads `count` records starting at frame[pos]; the last must end exactly at frame[len].
int32_t ScanIngest(const uint8_t* frame, size_t len, size_t pos, uint32_t count, uint32_t* spans, int32_t err[4]);

// Index of the last 16-byte big-endian start <= key (starts ascending, the first all zeros): the
// shard whose hash key range holds `key`. The same rule as the TypeScript findRangeBytes.
uint32_t FindRange(const uint8_t* starts, size_t shardCount, const uint8_t key[16]);

// For each scanned record: the shard whose range holds its hash key (explicit, or MD5 of the key).
void RouteSpans(const uint8_t* frame, const uint32_t* spans, uint32_t count, const uint8_t* starts, size_t shardCount,
                uint32_t* out);

// Per-record owner message layout (shard/messages.ts INGEST):
//   u32 gid | u16 key length | u32 data length | key | data
constexpr size_t kIngestRecordFixedBytes = 10;

// Writes the records whose shard belongs to `owner` (every record when owner < 0) to dst, in
// frame order. Returns the bytes written, or SIZE_MAX if they would not fit in dstLen.
size_t PackIngest(const uint8_t* frame, const uint32_t* spans, uint32_t count, const uint32_t* routes,
                  const uint32_t* shardGids, const uint32_t* shardOwners, size_t shardCount, int32_t owner, uint8_t* dst,
                  size_t dstLen);

}  // namespace riffle
