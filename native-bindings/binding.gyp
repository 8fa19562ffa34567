{
  "targets": [
    {
      "target_name": "riffle_native",
      "sources": ["src/addon.cc", "src/md5.cc", "src/md5x8.cc", "src/crc32c.cc", "src/ingest.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-std=c++17"]
    }
  ]
}
