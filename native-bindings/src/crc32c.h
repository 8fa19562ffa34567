// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as iSCSI (RFC 3720) defines it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace riffle {
// Continues a CRC-32C: pass 0 to start; the result of one call is the `crc` of the next.
uint32_t Crc32c(uint32_t crc, const uint8_t* data, size_t len);
bool Crc32cIsHardware();
}  // namespace riffle
