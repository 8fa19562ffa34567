// MD5 of eight single-block messages at once with AVX2 (one message per 32-bit lane): the same
// 64 steps as md5.cc, on vectors. Partition keys are almost always under 56 bytes, so a batch is
// mostly single-block messages; this is what makes batch routing several times cheaper than one
// digest at a time. Compiled for AVX2 with a target attribute and only called after a run-time
// CPU check, so the addon still loads on CPUs without AVX2.
#include "md5.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>

namespace riffle {

#define RIFFLE_ROTL8(x, s) _mm256_or_si256(_mm256_slli_epi32((x), (s)), _mm256_srli_epi32((x), 32 - (s)))
#define RIFFLE_MD5X8_F(x, y, z) _mm256_xor_si256((z), _mm256_and_si256((x), _mm256_xor_si256((y), (z))))
#define RIFFLE_MD5X8_G(x, y, z) _mm256_xor_si256((y), _mm256_and_si256((z), _mm256_xor_si256((x), (y))))
#define RIFFLE_MD5X8_H(x, y, z) _mm256_xor_si256(_mm256_xor_si256((x), (y)), (z))
#define RIFFLE_MD5X8_I(x, y, z) _mm256_xor_si256((y), _mm256_or_si256((x), _mm256_xor_si256((z), ones)))
#define RIFFLE_MD5X8_STEP(f, a, b, c, d, x, t, s)                                                              \
  a = _mm256_add_epi32(a, _mm256_add_epi32(RIFFLE_MD5X8_##f(b, c, d), _mm256_add_epi32((x), _mm256_set1_epi32(int(t))))); \
  a = _mm256_add_epi32(RIFFLE_ROTL8(a, s), (b));

__attribute__((target("avx2"))) void Md5x8(const uint8_t* blocks, uint8_t* out) {
  const __m256i ones = _mm256_set1_epi32(-1);
  // Word i of lane j is at blocks[64 * j + 4 * i]: gather with a stride of 16 words.
  const __m256i lanes = _mm256_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112);
  __m256i m[16];
  for (int i = 0; i < 16; i++) {
    m[i] = _mm256_i32gather_epi32(reinterpret_cast<const int*>(blocks), _mm256_add_epi32(lanes, _mm256_set1_epi32(i)), 4);
  }
  const __m256i a0 = _mm256_set1_epi32(0x67452301), b0 = _mm256_set1_epi32(int(0xefcdab89u));
  const __m256i c0 = _mm256_set1_epi32(int(0x98badcfeu)), d0 = _mm256_set1_epi32(0x10325476);
  __m256i a = a0, b = b0, c = c0, d = d0;
  RIFFLE_MD5X8_STEP(F, a, b, c, d, m[0], 0xd76aa478u, 7);
  RIFFLE_MD5X8_STEP(F, d, a, b, c, m[1], 0xe8c7b756u, 12);
  RIFFLE_MD5X8_STEP(F, c, d, a, b, m[2], 0x242070dbu, 17);
  RIFFLE_MD5X8_STEP(F, b, c, d, a, m[3], 0xc1bdceeeu, 22);
  RIFFLE_MD5X8_STEP(F, a, b, c, d, m[4], 0xf57c0fafu, 7);
  RIFFLE_MD5X8_STEP(F, d, a, b, c, m[5], 0x4787c62au, 12);
  RIFFLE_MD5X8_STEP(F, c, d, a, b, m[6], 0xa8304613u, 17);
  RIFFLE_MD5X8_STEP(F, b, c, d, a, m[7], 0xfd469501u, 22);
  RIFFLE_MD5X8_STEP(F, a, b, c, d, m[8], 0x698098d8u, 7);
  RIFFLE_MD5X8_STEP(F, d, a, b, c, m[9], 0x8b44f7afu, 12);
  RIFFLE_MD5X8_STEP(F, c, d, a, b, m[10], 0xffff5bb1u, 17);
  RIFFLE_MD5X8_STEP(F, b, c, d, a, m[11], 0x895cd7beu, 22);
  RIFFLE_MD5X8_STEP(F, a, b, c, d, m[12], 0x6b901122u, 7);
  RIFFLE_MD5X8_STEP(F, d, a, b, c, m[13], 0xfd987193u, 12);
  RIFFLE_MD5X8_STEP(F, c, d, a, b, m[14], 0xa679438eu, 17);
  RIFFLE_MD5X8_STEP(F, b, c, d, a, m[15], 0x49b40821u, 22);
  RIFFLE_MD5X8_STEP(G, a, b, c, d, m[1], 0xf61e2562u, 5);
  RIFFLE_MD5X8_STEP(G, d, a, b, c, m[6], 0xc040b340u, 9);
  RIFFLE_MD5X8_STEP(G, c, d, a, b, m[11], 0x265e5a51u, 14);
  RIFFLE_MD5X8_STEP(G, b, c, d, a, m[0], 0xe9b6c7aau, 20);
  RIFFLE_MD5X8_STEP(G, a, b, c, d, m[5], 0xd62f105du, 5);
  RIFFLE_MD5X8_STEP(G, d, a, b, c, m[10], 0x02441453u, 9);
  RIFFLE_MD5X8_STEP(G, c, d, a, b, m[15], 0xd8a1e681u, 14);
  RIFFLE_MD5X8_STEP(G, b, c, d, a, m[4], 0xe7d3fbc8u, 20);
  RIFFLE_MD5X8_STEP(G, a, b, c, d, m[9], 0x21e1cde6u, 5);
  RIFFLE_MD5X8_STEP(G, d, a, b, c, m[14], 0xc33707d6u, 9);
  RIFFLE_MD5X8_STEP(G, c, d, a, b, m[3], 0xf4d50d87u, 14);
  RIFFLE_MD5X8_STEP(G, b, c, d, a, m[8], 0x455a14edu, 20);
  RIFFLE_MD5X8_STEP(G, a, b, c, d, m[13], 0xa9e3e905u, 5);
  RIFFLE_MD5X8_STEP(G, d, a, b, c, m[2], 0xfcefa3f8u, 9);
  RIFFLE_MD5X8_STEP(G, c, d, a, b, m[7], 0x676f02d9u, 14);
  RIFFLE_MD5X8_STEP(G, b, c, d, a, m[12], 0x8d2a4c8au, 20);
  RIFFLE_MD5X8_STEP(H, a, b, c, d, m[5], 0xfffa3942u, 4);
  RIFFLE_MD5X8_STEP(H, d, a, b, c, m[8], 0x8771f681u, 11);
  RIFFLE_MD5X8_STEP(H, c, d, a, b, m[11], 0x6d9d6122u, 16);
  RIFFLE_MD5X8_STEP(H, b, c, d, a, m[14], 0xfde5380cu, 23);
  RIFFLE_MD5X8_STEP(H, a, b, c, d, m[1], 0xa4beea44u, 4);
  RIFFLE_MD5X8_STEP(H, d, a, b, c, m[4], 0x4bdecfa9u, 11);
  RIFFLE_MD5X8_STEP(H, c, d, a, b, m[7], 0xf6bb4b60u, 16);
  RIFFLE_MD5X8_STEP(H, b, c, d, a, m[10], 0xbebfbc70u, 23);
  RIFFLE_MD5X8_STEP(H, a, b, c, d, m[13], 0x289b7ec6u, 4);
  RIFFLE_MD5X8_STEP(H, d, a, b, c, m[0], 0xeaa127fau, 11);
  RIFFLE_MD5X8_STEP(H, c, d, a, b, m[3], 0xd4ef3085u, 16);
  RIFFLE_MD5X8_STEP(H, b, c, d, a, m[6], 0x04881d05u, 23);
  RIFFLE_MD5X8_STEP(H, a, b, c, d, m[9], 0xd9d4d039u, 4);
  RIFFLE_MD5X8_STEP(H, d, a, b, c, m[12], 0xe6db99e5u, 11);
  RIFFLE_MD5X8_STEP(H, c, d, a, b, m[15], 0x1fa27cf8u, 16);
  RIFFLE_MD5X8_STEP(H, b, c, d, a, m[2], 0xc4ac5665u, 23);
  RIFFLE_MD5X8_STEP(I, a, b, c, d, m[0], 0xf4292244u, 6);
  RIFFLE_MD5X8_STEP(I, d, a, b, c, m[7], 0x432aff97u, 10);
  RIFFLE_MD5X8_STEP(I, c, d, a, b, m[14], 0xab9423a7u, 15);
  RIFFLE_MD5X8_STEP(I, b, c, d, a, m[5], 0xfc93a039u, 21);
  RIFFLE_MD5X8_STEP(I, a, b, c, d, m[12], 0x655b59c3u, 6);
  RIFFLE_MD5X8_STEP(I, d, a, b, c, m[3], 0x8f0ccc92u, 10);
  RIFFLE_MD5X8_STEP(I, c, d, a, b, m[10], 0xffeff47du, 15);
  RIFFLE_MD5X8_STEP(I, b, c, d, a, m[1], 0x85845dd1u, 21);
  RIFFLE_MD5X8_STEP(I, a, b, c, d, m[8], 0x6fa87e4fu, 6);
  RIFFLE_MD5X8_STEP(I, d, a, b, c, m[15], 0xfe2ce6e0u, 10);
  RIFFLE_MD5X8_STEP(I, c, d, a, b, m[6], 0xa3014314u, 15);
  RIFFLE_MD5X8_STEP(I, b, c, d, a, m[13], 0x4e0811a1u, 21);
  RIFFLE_MD5X8_STEP(I, a, b, c, d, m[4], 0xf7537e82u, 6);
  RIFFLE_MD5X8_STEP(I, d, a, b, c, m[11], 0xbd3af235u, 10);
  RIFFLE_MD5X8_STEP(I, c, d, a, b, m[2], 0x2ad7d2bbu, 15);
  RIFFLE_MD5X8_STEP(I, b, c, d, a, m[9], 0xeb86d391u, 21);
  alignas(32) uint32_t A[8], B[8], C[8], D[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(A), _mm256_add_epi32(a, a0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(B), _mm256_add_epi32(b, b0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(C), _mm256_add_epi32(c, c0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(D), _mm256_add_epi32(d, d0));
  for (int j = 0; j < 8; j++) {
    const uint32_t words[4] = {A[j], B[j], C[j], D[j]};
    std::memcpy(out + 16 * j, words, 16);  // little-endian words, as the digest is defined
  }
}

bool Md5x8Available() { return __builtin_cpu_supports("avx2"); }

}  // namespace riffle

#else

namespace riffle {
void Md5x8(const uint8_t*, uint8_t*) {}
bool Md5x8Available() { return false; }
}  // namespace riffle

#endif
