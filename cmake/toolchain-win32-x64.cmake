# Cross-compiles the addon for win32-x64 with mingw-w64, on Linux:
#   apt-get install -y --no-install-recommends mingw-w64
#   npx cmake-js build -O build-win32-x64 --CDCMAKE_TOOLCHAIN_FILE=cmake/toolchain-win32-x64.cmake
# The -posix flavour of the compiler is required (the win32 one lacks std::mutex).
# CMakeLists.txt (MINGW branch) makes the import library for node.exe with
# dlltool from node-api-headers' node_api.def and links statically against
# libgcc, libstdc++ and winpthread with -Wl,--no-undefined, so the .node
# imports only KERNEL32, msvcrt (and api-ms-win-* ) and node.exe.
# It is bound to node.exe by name: a renamed host (Electron) would need a
# delay-load hook, which node-gyp's compiles to nothing under mingw.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(OS_MUTEX_CROSS_PREFIX x86_64-w64-mingw32-)
set(CMAKE_C_COMPILER ${OS_MUTEX_CROSS_PREFIX}gcc-posix)
set(CMAKE_CXX_COMPILER ${OS_MUTEX_CROSS_PREFIX}g++-posix)
set(CMAKE_RC_COMPILER ${OS_MUTEX_CROSS_PREFIX}windres)
set(CMAKE_DLLTOOL ${OS_MUTEX_CROSS_PREFIX}dlltool CACHE FILEPATH "")
set(CMAKE_STRIP ${OS_MUTEX_CROSS_PREFIX}strip CACHE FILEPATH "")

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
