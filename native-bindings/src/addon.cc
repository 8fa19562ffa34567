// Riffle's native hot path: a few exports registered in one init. The TypeScript loader
// (src/native/index.ts) validates arguments; here they are asserted again, because a wrong length
// would read or write out of bounds. Per-environment state only (Napi::Addon): the addon loads in
// the main thread and in every shard-owner worker.
#include <napi.h>

#include <cstring>

#include "crc32c.h"
#include "md5.h"

namespace {

bool Fail(const Napi::Env& env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return false;
}

struct Keys {
  const uint8_t* bytes = nullptr;
  size_t bytesLen = 0;
  const uint32_t* offsets = nullptr;
  size_t count = 0;
};

// keys: Uint8Array of concatenated UTF-8 keys; offsets: Uint32Array of count + 1 ascending ends.
bool ReadKeys(const Napi::CallbackInfo& info, Keys* out) {
  const Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    return Fail(env, "keys must be a Uint8Array");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    return Fail(env, "offsets must be a Uint32Array");
  auto keys = info[0].As<Napi::Uint8Array>();
  auto offsets = info[1].As<Napi::Uint32Array>();
  if (offsets.ElementLength() < 1) return Fail(env, "offsets must hold count + 1 entries");
  out->bytes = keys.Data();
  out->bytesLen = keys.ByteLength();
  out->offsets = offsets.Data();
  out->count = offsets.ElementLength() - 1;
  if (out->offsets[0] != 0) return Fail(env, "offsets[0] must be 0");
  for (size_t i = 0; i < out->count; i++) {
    if (out->offsets[i + 1] < out->offsets[i]) return Fail(env, "offsets must not decrease");
  }
  if (out->offsets[out->count] > out->bytesLen) return Fail(env, "offsets run past the keys");
  return true;
}

// First index i with starts[i] <= digest < starts[i+1] (starts: ascending 16-byte big-endian keys,
// the first all zeros), the same rule as the TypeScript findRangeIndex.
uint32_t FindRange(const uint8_t* starts, size_t count, const uint8_t digest[16]) {
  size_t lo = 0, hi = count - 1;
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    if (std::memcmp(starts + 16 * mid, digest, 16) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return uint32_t(lo);
}

class RiffleNative : public Napi::Addon<RiffleNative> {
 public:
  RiffleNative(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceMethod("md5Batch", &RiffleNative::Md5Batch),
                             InstanceMethod("routeBatch", &RiffleNative::RouteBatch),
                             InstanceMethod("crc32c", &RiffleNative::Crc32c),
                             InstanceValue("crc32cHardware", Napi::Boolean::New(env, riffle::Crc32cIsHardware())),
                         });
  }

 private:
  // md5Batch(keys, offsets, out: Uint8Array(count * 16)): every key's digest, in order.
  Napi::Value Md5Batch(const Napi::CallbackInfo& info) {
    Keys keys;
    if (!ReadKeys(info, &keys)) return info.Env().Undefined();
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
        info[2].As<Napi::Uint8Array>().ByteLength() != keys.count * 16) {
      Fail(info.Env(), "out must be a Uint8Array of count * 16 bytes");
      return info.Env().Undefined();
    }
    riffle::Md5Many(keys.bytes, keys.offsets, keys.count, info[2].As<Napi::Uint8Array>().Data());
    return info.Env().Undefined();
  }

  // routeBatch(keys, offsets, starts: Uint8Array(shards * 16), out: Uint32Array(count)):
  // MD5 of each partition key → 128-bit hash key → index of the shard whose range holds it.
  Napi::Value RouteBatch(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    Keys keys;
    if (!ReadKeys(info, &keys)) return env.Undefined();
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Fail(env, "starts must be a Uint8Array");
      return env.Undefined();
    }
    auto starts = info[2].As<Napi::Uint8Array>();
    if (starts.ByteLength() == 0 || starts.ByteLength() % 16 != 0) {
      Fail(env, "starts must hold one or more 16-byte hash keys");
      return env.Undefined();
    }
    if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        info[3].As<Napi::Uint32Array>().ElementLength() != keys.count) {
      Fail(env, "out must be a Uint32Array of count entries");
      return env.Undefined();
    }
    uint32_t* out = info[3].As<Napi::Uint32Array>().Data();
    const size_t shardCount = starts.ByteLength() / 16;
    // Digests in chunks on the stack (no allocation), then each one's shard.
    constexpr size_t kChunk = 256;
    uint8_t digests[kChunk * 16];
    for (size_t first = 0; first < keys.count; first += kChunk) {
      const size_t n = keys.count - first < kChunk ? keys.count - first : kChunk;
      riffle::Md5Many(keys.bytes, keys.offsets + first, n, digests);
      for (size_t i = 0; i < n; i++) out[first + i] = FindRange(starts.Data(), shardCount, digests + 16 * i);
    }
    return env.Undefined();
  }

  // crc32c(data: Uint8Array, crc = 0): number
  Napi::Value Crc32c(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Fail(env, "data must be a Uint8Array");
      return env.Undefined();
    }
    auto data = info[0].As<Napi::Uint8Array>();
    const uint32_t crc = info[1].IsNumber() ? info[1].As<Napi::Number>().Uint32Value() : 0;
    return Napi::Number::New(env, riffle::Crc32c(crc, data.Data(), data.ByteLength()));
  }
};

}  // namespace

NODE_API_ADDON(RiffleNative)
