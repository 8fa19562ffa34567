// MD5 (RFC 1321) of short inputs, as Kinesis hashes partition keys. Pure function, no state.
#pragma once
#include <cstddef>
#include <cstdint>

namespace riffle {
// Writes the 16-byte digest of data[0..len) to out.
void Md5(const uint8_t* data, size_t len, uint8_t out[16]);

// Digests of count messages: message i is bytes[offsets[i], offsets[i+1]); digest i goes to
// out[16i, 16i+16). Single-block messages (< 56 bytes) go eight at a time through Md5x8 when
// the CPU has AVX2; the rest one at a time.
void Md5Many(const uint8_t* bytes, const uint32_t* offsets, size_t count, uint8_t* out);

// The same for count messages given as pointers and lengths (message i is ptrs[i][0..lens[i])).
void Md5ManyPtrs(const uint8_t* const* ptrs, const uint32_t* lens, size_t count, uint8_t* out);

// Eight padded 64-byte blocks (lane j at blocks + 64j) → eight digests (out + 16j). AVX2 only.
void Md5x8(const uint8_t* blocks, uint8_t* out);
bool Md5x8Available();
}  // namespace riffle
