# node-gyp build of the addon, run by scripts/build-native.js (cwd native/,
# output copied to build/Release/). Not at the package root on purpose: a root
# binding.gyp makes npm, pnpm and yarn add an implicit `node-gyp rebuild`
# install script, which pnpm >= 10 and npm >= 11.19 refuse to run unapproved
# (pnpm then fails the install). Sources: native/sources.json, shared with
# CMakeLists.txt; paths there are relative to the package root.
{
  "targets": [
    {
      "target_name": "os_mutex",
      "sources": ["<!@(node -p \"require('./sources.json').map((s) => s.slice('native/'.length)).join(' ')\")"],
      "include_dirs": [".", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
                  "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-fvisibility=hidden", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='linux'", {
          "libraries": ["-ldl"],
          "cflags_cc": ["-include", "<(module_root_dir)/platform/glibc_compat.h"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "10.15",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES"
          }
        }],
        ["OS=='win'", {
          "defines": ["WIN32_LEAN_AND_MEAN", "NOMINMAX"],
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17"] } }
        }]
      ]
    }
  ]
}
