// Riffle's native hot path: a few exports registered in one init. The TypeScript loader
// (src/native/index.ts) validates arguments; here they are asserted again, because a wrong length
// would read or write out of bounds. Per-environment state only (Napi::Addon): the addon loads in
// the main thread and in every shard-owner worker.
#include <napi.h>

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "crc32c.h"
#include "ingest.h"
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

template <typename T, napi_typedarray_type kType>
bool TypedArg(const Napi::CallbackInfo& info, size_t i, const char* message, T** data, size_t* length) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != kType) {
    return Fail(info.Env(), message);
  }
  // TypedArrayOf::Data() is napi_get_typedarray_info's pointer (offset included); it also works
  // for views of a SharedArrayBuffer, where ArrayBuffer().Data() would not.
  auto array = info[i].As<Napi::TypedArrayOf<T>>();
  *data = array.Data();
  *length = array.ElementLength();
  return true;
}

bool CountArg(const Napi::CallbackInfo& info, size_t i, uint32_t* out) {
  if (!info[i].IsNumber()) return Fail(info.Env(), "count and offsets must be numbers");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 4294967295.0) || v != double(uint32_t(v))) return Fail(info.Env(), "count and offsets must be u32");
  *out = uint32_t(v);
  return true;
}

// Spans come from scanIngest, but are checked again here: a wrong one would read out of bounds.
bool SpansWithin(const Napi::Env& env, const uint32_t* spans, size_t spanWords, uint32_t count, size_t frameLen) {
  if (spanWords < size_t(count) * riffle::kSpanWords) return Fail(env, "spans must hold 5 entries per record");
  for (uint32_t i = 0; i < count; i++) {
    const uint32_t* s = spans + riffle::kSpanWords * i;
    if (uint64_t(s[0]) + s[1] > frameLen || uint64_t(s[2]) + s[3] > frameLen || (s[4] != 0 && uint64_t(s[4]) + 16 > frameLen))
      return Fail(env, "a span runs past the frame");
  }
  return true;
}

// The arenas argument of copyPlan and frameRecords: an array of at most `max` Uint8Arrays.
bool ReadArenas(const Napi::Env& env, const Napi::Value& value, uint32_t max, std::vector<uint8_t*>* data, std::vector<size_t>* lengths) {
  if (!value.IsArray()) return Fail(env, "arenas must be an array of Uint8Array");
  auto list = value.As<Napi::Array>();
  const uint32_t count = list.Length();
  if (count > max) return Fail(env, "too many arenas in one call");
  data->resize(count);
  lengths->resize(count);
  for (uint32_t a = 0; a < count; a++) {
    Napi::Value v = list.Get(a);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      return Fail(env, "arenas must be an array of Uint8Array");
    }
    auto arena = v.As<Napi::Uint8Array>();
    (*data)[a] = arena.Data();
    (*lengths)[a] = arena.ByteLength();
  }
  return true;
}

class RiffleNative : public Napi::Addon<RiffleNative> {
 public:
  RiffleNative(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceMethod("md5Batch", &RiffleNative::Md5Batch),
                             InstanceMethod("routeBatch", &RiffleNative::RouteBatch),
                             InstanceMethod("crc32c", &RiffleNative::Crc32c),
                             InstanceMethod("scanIngest", &RiffleNative::ScanIngest),
                             InstanceMethod("routeSpans", &RiffleNative::RouteSpans),
                             InstanceMethod("packIngest", &RiffleNative::PackIngest),
                             InstanceMethod("copyPlan", &RiffleNative::CopyPlan),
                             InstanceMethod("frameRecords", &RiffleNative::FrameRecords),
                             InstanceMethod("fdatasyncAll", &RiffleNative::FdatasyncAll),
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
      for (size_t i = 0; i < n; i++) out[first + i] = riffle::FindRange(starts.Data(), shardCount, digests + 16 * i);
    }
    return env.Undefined();
  }

  // scanIngest(frame, pos, count, spans: Uint32Array(5 * count), err: Int32Array(4)): status
  Napi::Value ScanIngest(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    uint8_t* frame = nullptr;
    uint32_t* spans = nullptr;
    int32_t* err = nullptr;
    size_t frameLen = 0, spanWords = 0, errLen = 0;
    uint32_t pos = 0, count = 0;
    if (!TypedArg<uint8_t, napi_uint8_array>(info, 0, "frame must be a Uint8Array", &frame, &frameLen) ||
        !CountArg(info, 1, &pos) || !CountArg(info, 2, &count) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 3, "spans must be a Uint32Array", &spans, &spanWords) ||
        !TypedArg<int32_t, napi_int32_array>(info, 4, "err must be an Int32Array", &err, &errLen))
      return env.Undefined();
    if (pos > frameLen) return Fail(env, "pos is past the frame"), env.Undefined();
    // Offsets travel as u32 and error positions as i32: frames are at most 8 MiB anyway.
    if (frameLen > 0x7fffffff) return Fail(env, "frame is larger than 2 GiB"), env.Undefined();
    if (spanWords < size_t(count) * riffle::kSpanWords) return Fail(env, "spans must hold 5 entries per record"), env.Undefined();
    if (errLen < 4) return Fail(env, "err must hold 4 entries"), env.Undefined();
    return Napi::Number::New(env, riffle::ScanIngest(frame, frameLen, pos, count, spans, err));
  }

  // routeSpans(frame, spans, count, starts: Uint8Array(shards * 16), out: Uint32Array(>= count))
  Napi::Value RouteSpans(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    uint8_t *frame = nullptr, *starts = nullptr;
    uint32_t *spans = nullptr, *out = nullptr;
    size_t frameLen = 0, spanWords = 0, startsLen = 0, outLen = 0;
    uint32_t count = 0;
    if (!TypedArg<uint8_t, napi_uint8_array>(info, 0, "frame must be a Uint8Array", &frame, &frameLen) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 1, "spans must be a Uint32Array", &spans, &spanWords) ||
        !CountArg(info, 2, &count) ||
        !TypedArg<uint8_t, napi_uint8_array>(info, 3, "starts must be a Uint8Array", &starts, &startsLen) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 4, "out must be a Uint32Array", &out, &outLen))
      return env.Undefined();
    if (startsLen == 0 || startsLen % 16 != 0) return Fail(env, "starts must hold one or more 16-byte hash keys"), env.Undefined();
    if (outLen < count) return Fail(env, "out must hold count entries"), env.Undefined();
    if (!SpansWithin(env, spans, spanWords, count, frameLen)) return env.Undefined();
    riffle::RouteSpans(frame, spans, count, starts, startsLen / 16, out);
    return env.Undefined();
  }

  // packIngest(frame, spans, count, routes, shardGids, shardOwners, owner, dst, dstOffset): bytes or -1
  Napi::Value PackIngest(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    uint8_t *frame = nullptr, *dst = nullptr;
    uint32_t *spans = nullptr, *routes = nullptr, *gids = nullptr, *owners = nullptr;
    size_t frameLen = 0, spanWords = 0, routesLen = 0, gidsLen = 0, ownersLen = 0, dstLen = 0;
    uint32_t count = 0, dstOffset = 0;
    if (!TypedArg<uint8_t, napi_uint8_array>(info, 0, "frame must be a Uint8Array", &frame, &frameLen) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 1, "spans must be a Uint32Array", &spans, &spanWords) ||
        !CountArg(info, 2, &count) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 3, "routes must be a Uint32Array", &routes, &routesLen) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 4, "shardGids must be a Uint32Array", &gids, &gidsLen) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 5, "shardOwners must be a Uint32Array", &owners, &ownersLen) ||
        !TypedArg<uint8_t, napi_uint8_array>(info, 7, "dst must be a Uint8Array", &dst, &dstLen) || !CountArg(info, 8, &dstOffset))
      return env.Undefined();
    if (!info[6].IsNumber()) return Fail(env, "owner must be a number"), env.Undefined();
    if (routesLen < count) return Fail(env, "routes must hold count entries"), env.Undefined();
    if (gidsLen == 0 || gidsLen != ownersLen) return Fail(env, "shardGids and shardOwners must have one entry per shard"), env.Undefined();
    if (dstOffset > dstLen) return Fail(env, "dstOffset is past dst"), env.Undefined();
    if (!SpansWithin(env, spans, spanWords, count, frameLen)) return env.Undefined();
    const int32_t owner = info[6].As<Napi::Number>().Int32Value();
    const size_t n = riffle::PackIngest(frame, spans, count, routes, gids, owners, gidsLen, owner, dst + dstOffset, dstLen - dstOffset);
    return Napi::Number::New(env, n == SIZE_MAX ? -1.0 : double(n));
  }

  // copyPlan(src, plan: Uint32Array(4 * count), count, arenas: Uint8Array[]): for each entry
  // (arena index, arena offset, src offset, length), a memcpy from src into that arena. One call
  // per owner message: TypedArray.prototype.set copies out of a SharedArrayBuffer with relaxed
  // atomics (3-5x slower than memcpy here), and a native call per record costs more than the copy.
  Napi::Value CopyPlan(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    uint8_t* src = nullptr;
    uint32_t* plan = nullptr;
    size_t srcLen = 0, planLen = 0;
    uint32_t count = 0;
    if (!TypedArg<uint8_t, napi_uint8_array>(info, 0, "src must be a Uint8Array", &src, &srcLen) ||
        !TypedArg<uint32_t, napi_uint32_array>(info, 1, "plan must be a Uint32Array", &plan, &planLen) || !CountArg(info, 2, &count))
      return env.Undefined();
    if (planLen < size_t(count) * 4) return Fail(env, "plan must hold 4 entries per copy"), env.Undefined();
    std::vector<uint8_t*> arenas;
    std::vector<size_t> arenaLens;
    if (!ReadArenas(env, info[3], 64, &arenas, &arenaLens)) return env.Undefined();
    const size_t arenaCount = arenas.size();
    for (uint32_t i = 0; i < count; i++) {
      const uint32_t* e = plan + 4 * i;
      if (e[0] >= arenaCount || uint64_t(e[1]) + e[3] > arenaLens[e[0]] || uint64_t(e[2]) + e[3] > srcLen) {
        return Fail(env, "copyPlan: an entry runs past its arena or the source"), env.Undefined();
      }
    }
    for (uint32_t i = 0; i < count; i++) {
      const uint32_t* e = plan + 4 * i;
      std::memcpy(arenas[e[0]] + e[1], src + e[2], e[3]);
    }
    return env.Undefined();
  }

  // fdatasyncAll(fds: Int32Array, count, errs: Int32Array): fdatasync of fds[0..count) at the same
  // time, one thread each (the caller's thread takes the first), so a group commit over several
  // segment files waits for one journal commit rather than one per file (ext4's jbd2 batches
  // concurrent syncs). errs[i] = 0 or the errno of fds[i]'s sync. Returns when all are done.
  Napi::Value FdatasyncAll(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    int32_t* fds = nullptr;
    int32_t* errs = nullptr;
    size_t fdsLen = 0, errsLen = 0;
    uint32_t count = 0;
    if (!TypedArg<int32_t, napi_int32_array>(info, 0, "fds must be an Int32Array", &fds, &fdsLen) || !CountArg(info, 1, &count) ||
        !TypedArg<int32_t, napi_int32_array>(info, 2, "errs must be an Int32Array", &errs, &errsLen))
      return env.Undefined();
    if (fdsLen < count || errsLen < count || count > 4096) return Fail(env, "fdatasyncAll: fds and errs must hold count entries"), env.Undefined();
    struct Job {
      int fd;
      int32_t* err;
    };
    auto run = [](void* p) -> void* {
      Job* job = static_cast<Job*>(p);
      *job->err = fdatasync(job->fd) == 0 ? 0 : errno;
      return nullptr;
    };
    std::vector<Job> jobs(count);
    std::vector<pthread_t> threads(count);
    std::vector<bool> started(count, false);
    for (uint32_t i = 0; i < count; i++) jobs[i] = Job{fds[i], &errs[i]};
    // pthread_create, not std::thread: a thread that cannot be made (EAGAIN under a pids limit)
    // must not abort the process (this build has no exceptions); that sync runs here instead.
    for (uint32_t i = 1; i < count; i++) started[i] = pthread_create(&threads[i], nullptr, run, &jobs[i]) == 0;
    for (uint32_t i = 0; i < count; i++)
      if (!started[i]) run(&jobs[i]);
    for (uint32_t i = 1; i < count; i++)
      if (started[i]) pthread_join(threads[i], nullptr);
    return env.Undefined();
  }

  // frameRecords(dst, meta: Float64Array(6 * count), count, arenas: Uint8Array[]): bytes written.
  // Per record meta = (arena index, offset, key length, data length, sequence counter, arrival ms):
  // writes the segment frame (log/segment-codec.ts): u32 payload length, u32 CRC-32C, payload =
  // f64 counter, f64 arrival, u16 key length, key, data (copied from the arena). One call per commit.
  Napi::Value FrameRecords(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    uint8_t* dst = nullptr;
    double* meta = nullptr;
    size_t dstLen = 0, metaLen = 0;
    uint32_t count = 0;
    if (!TypedArg<uint8_t, napi_uint8_array>(info, 0, "dst must be a Uint8Array", &dst, &dstLen) ||
        !TypedArg<double, napi_float64_array>(info, 1, "meta must be a Float64Array", &meta, &metaLen) || !CountArg(info, 2, &count))
      return env.Undefined();
    if (metaLen < size_t(count) * 6) return Fail(env, "meta must hold 6 entries per record"), env.Undefined();
    std::vector<uint8_t*> arenas;
    std::vector<size_t> arenaLens;
    if (!ReadArenas(env, info[3], 1024, &arenas, &arenaLens)) return env.Undefined();
    const size_t arenaCount = arenas.size();
    size_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
      const double* m = meta + 6 * i;
      const double arena = m[0], offset = m[1], keyLen = m[2], dataLen = m[3];
      if (!(arena >= 0 && arena < arenaCount) || !(offset >= 0) || !(keyLen >= 0 && keyLen <= 65535) || !(dataLen >= 0 && dataLen <= 16777216) ||
          offset + keyLen + dataLen > double(arenaLens[size_t(arena)])) {
        return Fail(env, "frameRecords: an entry runs past its arena"), env.Undefined();
      }
      const size_t payload = 18 + size_t(keyLen) + size_t(dataLen);
      if (dstLen - at < 8 + payload) return Fail(env, "frameRecords: dst is too small"), env.Undefined();
      uint8_t* p = dst + at;
      const uint32_t payload32 = uint32_t(payload);
      std::memcpy(p, &payload32, 4);  // x86 and arm64 are little-endian, as the format is
      std::memcpy(p + 8, &m[4], 8);
      std::memcpy(p + 16, &m[5], 8);
      const uint16_t key16 = uint16_t(keyLen);
      std::memcpy(p + 24, &key16, 2);
      std::memcpy(p + 26, arenas[size_t(arena)] + size_t(offset), size_t(keyLen) + size_t(dataLen));
      const uint32_t crc = riffle::Crc32c(0, p + 8, payload);
      std::memcpy(p + 4, &crc, 4);
      at += 8 + payload;
    }
    return Napi::Number::New(env, double(at));
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
