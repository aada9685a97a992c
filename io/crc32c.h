// CRC32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of a checkpoint's tensor data
// (io/safetensors.h, metadata "dpt_crc32c"). Uses the SSE4.2 crc32 instruction when the CPU has it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dpt {

// Continues a running checksum: crc32c_update(crc32c_update(0, a), b) == CRC32C of a followed by b.
// crc32c_update(0, "123456789", 9) == 0xE3069283 (the standard check value).
uint32_t crc32c_update(uint32_t crc, const void* data, size_t n);
// The same with the table only (the test compares it with the instruction path).
uint32_t crc32c_update_portable(uint32_t crc, const void* data, size_t n);

}  // namespace dpt
