# Cross-compiles the addon for linux-arm64 (aarch64) with Debian's cross g++:
#   apt-get install -y --no-install-recommends g++-aarch64-linux-gnu
#   npx cmake-js build -O build-linux-arm64 -a arm64 --CDCMAKE_TOOLCHAIN_FILE=cmake/toolchain-linux-arm64.cmake
# The result runs under `qemu-aarch64 -L /usr/aarch64-linux-gnu <arm64 node>`.
# glibc symbol versions are pinned to GLIBC_2.17 by native/glibc_compat.h.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(OS_MUTEX_CROSS_PREFIX aarch64-linux-gnu-)
set(CMAKE_C_COMPILER ${OS_MUTEX_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${OS_MUTEX_CROSS_PREFIX}g++)
set(CMAKE_STRIP ${OS_MUTEX_CROSS_PREFIX}strip CACHE FILEPATH "")

set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # node, dlltool etc. are host programs
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
