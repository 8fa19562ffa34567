// MD5 (RFC 1321) of short inputs, as Kinesis hashes partition keys. Pure function, no state.
#pragma once
#include <cstddef>
#include <cstdint>

namespace riffle {
// Writes the 16-byte digest of data[0..len) to out.
void Md5(const uint8_t* data, size_t len, uint8_t out[16]);
}  // namespace riffle
