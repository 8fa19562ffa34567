// MD5 per RFC 1321, section 3. Written for partition keys (1-256 characters, so 1-1024 bytes):
// whole blocks are processed in place and only the tail is copied.
#include "md5.h"

#include <cstring>

namespace riffle {
namespace {

inline uint32_t Rotl(uint32_t x, uint32_t c) { return (x << c) | (x >> (32 - c)); }

inline uint32_t LoadLe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // x86 and arm64 are little-endian, as MD5's words are
  return v;
}

// The 64 steps of RFC 1321 section 3.4, unrolled (generated from the spec's tables): constant
// shifts and indexes, no branches.
#define RIFFLE_MD5_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define RIFFLE_MD5_G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define RIFFLE_MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define RIFFLE_MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define RIFFLE_MD5_STEP(f, a, b, c, d, x, t, s) \
  a += RIFFLE_MD5_##f(b, c, d) + (x) + (t);     \
  a = Rotl(a, s) + (b);

void Block(uint32_t state[4], const uint8_t* block) {
  uint32_t m[16];
  for (int i = 0; i < 16; i++) m[i] = LoadLe32(block + 4 * i);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  RIFFLE_MD5_STEP(F, a, b, c, d, m[0], 0xd76aa478u, 7);
  RIFFLE_MD5_STEP(F, d, a, b, c, m[1], 0xe8c7b756u, 12);
  RIFFLE_MD5_STEP(F, c, d, a, b, m[2], 0x242070dbu, 17);
  RIFFLE_MD5_STEP(F, b, c, d, a, m[3], 0xc1bdceeeu, 22);
  RIFFLE_MD5_STEP(F, a, b, c, d, m[4], 0xf57c0fafu, 7);
  RIFFLE_MD5_STEP(F, d, a, b, c, m[5], 0x4787c62au, 12);
  RIFFLE_MD5_STEP(F, c, d, a, b, m[6], 0xa8304613u, 17);
  RIFFLE_MD5_STEP(F, b, c, d, a, m[7], 0xfd469501u, 22);
  RIFFLE_MD5_STEP(F, a, b, c, d, m[8], 0x698098d8u, 7);
  RIFFLE_MD5_STEP(F, d, a, b, c, m[9], 0x8b44f7afu, 12);
  RIFFLE_MD5_STEP(F, c, d, a, b, m[10], 0xffff5bb1u, 17);
  RIFFLE_MD5_STEP(F, b, c, d, a, m[11], 0x895cd7beu, 22);
  RIFFLE_MD5_STEP(F, a, b, c, d, m[12], 0x6b901122u, 7);
  RIFFLE_MD5_STEP(F, d, a, b, c, m[13], 0xfd987193u, 12);
  RIFFLE_MD5_STEP(F, c, d, a, b, m[14], 0xa679438eu, 17);
  RIFFLE_MD5_STEP(F, b, c, d, a, m[15], 0x49b40821u, 22);
  RIFFLE_MD5_STEP(G, a, b, c, d, m[1], 0xf61e2562u, 5);
  RIFFLE_MD5_STEP(G, d, a, b, c, m[6], 0xc040b340u, 9);
  RIFFLE_MD5_STEP(G, c, d, a, b, m[11], 0x265e5a51u, 14);
  RIFFLE_MD5_STEP(G, b, c, d, a, m[0], 0xe9b6c7aau, 20);
  RIFFLE_MD5_STEP(G, a, b, c, d, m[5], 0xd62f105du, 5);
  RIFFLE_MD5_STEP(G, d, a, b, c, m[10], 0x02441453u, 9);
  RIFFLE_MD5_STEP(G, c, d, a, b, m[15], 0xd8a1e681u, 14);
  RIFFLE_MD5_STEP(G, b, c, d, a, m[4], 0xe7d3fbc8u, 20);
  RIFFLE_MD5_STEP(G, a, b, c, d, m[9], 0x21e1cde6u, 5);
  RIFFLE_MD5_STEP(G, d, a, b, c, m[14], 0xc33707d6u, 9);
  RIFFLE_MD5_STEP(G, c, d, a, b, m[3], 0xf4d50d87u, 14);
  RIFFLE_MD5_STEP(G, b, c, d, a, m[8], 0x455a14edu, 20);
  RIFFLE_MD5_STEP(G, a, b, c, d, m[13], 0xa9e3e905u, 5);
  RIFFLE_MD5_STEP(G, d, a, b, c, m[2], 0xfcefa3f8u, 9);
  RIFFLE_MD5_STEP(G, c, d, a, b, m[7], 0x676f02d9u, 14);
  RIFFLE_MD5_STEP(G, b, c, d, a, m[12], 0x8d2a4c8au, 20);
  RIFFLE_MD5_STEP(H, a, b, c, d, m[5], 0xfffa3942u, 4);
  RIFFLE_MD5_STEP(H, d, a, b, c, m[8], 0x8771f681u, 11);
  RIFFLE_MD5_STEP(H, c, d, a, b, m[11], 0x6d9d6122u, 16);
  RIFFLE_MD5_STEP(H, b, c, d, a, m[14], 0xfde5380cu, 23);
  RIFFLE_MD5_STEP(H, a, b, c, d, m[1], 0xa4beea44u, 4);
  RIFFLE_MD5_STEP(H, d, a, b, c, m[4], 0x4bdecfa9u, 11);
  RIFFLE_MD5_STEP(H, c, d, a, b, m[7], 0xf6bb4b60u, 16);
  RIFFLE_MD5_STEP(H, b, c, d, a, m[10], 0xbebfbc70u, 23);
  RIFFLE_MD5_STEP(H, a, b, c, d, m[13], 0x289b7ec6u, 4);
  RIFFLE_MD5_STEP(H, d, a, b, c, m[0], 0xeaa127fau, 11);
  RIFFLE_MD5_STEP(H, c, d, a, b, m[3], 0xd4ef3085u, 16);
  RIFFLE_MD5_STEP(H, b, c, d, a, m[6], 0x04881d05u, 23);
  RIFFLE_MD5_STEP(H, a, b, c, d, m[9], 0xd9d4d039u, 4);
  RIFFLE_MD5_STEP(H, d, a, b, c, m[12], 0xe6db99e5u, 11);
  RIFFLE_MD5_STEP(H, c, d, a, b, m[15], 0x1fa27cf8u, 16);
  RIFFLE_MD5_STEP(H, b, c, d, a, m[2], 0xc4ac5665u, 23);
  RIFFLE_MD5_STEP(I, a, b, c, d, m[0], 0xf4292244u, 6);
  RIFFLE_MD5_STEP(I, d, a, b, c, m[7], 0x432aff97u, 10);
  RIFFLE_MD5_STEP(I, c, d, a, b, m[14], 0xab9423a7u, 15);
  RIFFLE_MD5_STEP(I, b, c, d, a, m[5], 0xfc93a039u, 21);
  RIFFLE_MD5_STEP(I, a, b, c, d, m[12], 0x655b59c3u, 6);
  RIFFLE_MD5_STEP(I, d, a, b, c, m[3], 0x8f0ccc92u, 10);
  RIFFLE_MD5_STEP(I, c, d, a, b, m[10], 0xffeff47du, 15);
  RIFFLE_MD5_STEP(I, b, c, d, a, m[1], 0x85845dd1u, 21);
  RIFFLE_MD5_STEP(I, a, b, c, d, m[8], 0x6fa87e4fu, 6);
  RIFFLE_MD5_STEP(I, d, a, b, c, m[15], 0xfe2ce6e0u, 10);
  RIFFLE_MD5_STEP(I, c, d, a, b, m[6], 0xa3014314u, 15);
  RIFFLE_MD5_STEP(I, b, c, d, a, m[13], 0x4e0811a1u, 21);
  RIFFLE_MD5_STEP(I, a, b, c, d, m[4], 0xf7537e82u, 6);
  RIFFLE_MD5_STEP(I, d, a, b, c, m[11], 0xbd3af235u, 10);
  RIFFLE_MD5_STEP(I, c, d, a, b, m[2], 0x2ad7d2bbu, 15);
  RIFFLE_MD5_STEP(I, b, c, d, a, m[9], 0xeb86d391u, 21);
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

}  // namespace

void Md5(const uint8_t* data, size_t len, uint8_t out[16]) {
  uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  size_t full = len & ~size_t(63);
  for (size_t off = 0; off < full; off += 64) Block(state, data + off);
  // Tail: remaining bytes, 0x80, zeros, then the bit length (little-endian) in the last 8 bytes.
  uint8_t tail[128] = {0};
  const size_t rest = len - full;
  std::memcpy(tail, data + full, rest);
  tail[rest] = 0x80;
  const size_t tailLen = rest < 56 ? 64 : 128;
  const uint64_t bits = uint64_t(len) * 8;
  for (int i = 0; i < 8; i++) tail[tailLen - 8 + i] = uint8_t(bits >> (8 * i));
  Block(state, tail);
  if (tailLen == 128) Block(state, tail + 64);
  for (int i = 0; i < 4; i++) {
    out[4 * i] = uint8_t(state[i]);
    out[4 * i + 1] = uint8_t(state[i] >> 8);
    out[4 * i + 2] = uint8_t(state[i] >> 16);
    out[4 * i + 3] = uint8_t(state[i] >> 24);
  }
}

void Md5ManyPtrs(const uint8_t* const* ptrs, const uint32_t* lens, size_t count, uint8_t* out) {
  // Checked per call, not cached in a static: the addon keeps no mutable static state.
  const bool wide = Md5x8Available();
  alignas(32) uint8_t blocks[8 * 64] = {};
  uint8_t digests[8 * 16];
  size_t lane_of[8];
  int lanes = 0;
  auto flush = [&]() {
    Md5x8(blocks, digests);
    for (int j = 0; j < lanes; j++) std::memcpy(out + 16 * lane_of[j], digests + 16 * j, 16);
    lanes = 0;
  };
  for (size_t i = 0; i < count; i++) {
    const size_t len = lens[i];
    if (!wide || len >= 56) {
      Md5(ptrs[i], len, out + 16 * i);
      continue;
    }
    // One padded block: message, 0x80, zeros, bit length (little-endian) in the last 8 bytes.
    uint8_t* block = blocks + 64 * lanes;
    std::memset(block, 0, 64);
    std::memcpy(block, ptrs[i], len);
    block[len] = 0x80;
    const uint64_t bits = uint64_t(len) * 8;
    for (int b = 0; b < 8; b++) block[56 + b] = uint8_t(bits >> (8 * b));
    lane_of[lanes++] = i;
    if (lanes == 8) flush();
  }
  if (lanes > 0) flush();  // unused lanes hold stale blocks; their digests are ignored
}

void Md5Many(const uint8_t* bytes, const uint32_t* offsets, size_t count, uint8_t* out) {
  // In chunks, as pointers and lengths into the packed keys.
  constexpr size_t kChunk = 256;
  const uint8_t* ptrs[kChunk];
  uint32_t lens[kChunk];
  for (size_t first = 0; first < count; first += kChunk) {
    const size_t n = count - first < kChunk ? count - first : kChunk;
    for (size_t j = 0; j < n; j++) {
      ptrs[j] = bytes + offsets[first + j];
      lens[j] = offsets[first + j + 1] - offsets[first + j];
    }
    Md5ManyPtrs(ptrs, lens, n, out + 16 * first);
  }
}

}  // namespace riffle
