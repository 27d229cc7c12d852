# Build recipe for the gevent-ts native DNS addon (node-gyp).
# `npx node-gyp rebuild --directory native` builds native/build/Release/gevent_native.node and
# gevent_spawn.node (posix_spawn children; used on Linux >= 5.3, elsewhere child_process).
{
  "targets": [
    {
      "target_name": "gevent_native",
      "sources": ["src/addon.cc", "src/work-pool.cc", "src/dns-calls.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-fno-exceptions", "-Wall", "-Wextra"],
      "cflags_cc": ["-fno-exceptions", "-std=c++17", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "10.15"
          }
        }]
      ]
    },
    {
      "target_name": "gevent_spawn",
      "sources": ["src/spawn.cc", "src/spawn-job.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-fno-exceptions", "-Wall", "-Wextra"],
      "cflags_cc": ["-fno-exceptions", "-std=c++17", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='win'", {"type": "none", "sources!": ["src/spawn.cc", "src/spawn-job.cc"]}]
      ]
    }
  ]
}
