#!/usr/bin/env bash
# npm run test:native — the native core's C++ tests (native/test), built with
# CMake and run under ThreadSanitizer, under AddressSanitizer +
# UndefinedBehaviorSanitizer, and once more with the condition-variable timed
# path (the macOS code) under ThreadSanitizer. Ends with `N passed, N failed`
# counting the runs.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
run() {
  local name="$1" sanitize="$2" condvar="$3"
  local dir="build-native-test/$name"
  echo "::: native core tests: $name"
  if cmake -S native/test -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DOS_MUTEX_SANITIZE="$sanitize" \
       -DOS_MUTEX_TIMED_VIA_CONDVAR="$condvar" > "$dir.log" 2>&1 &&
     cmake --build "$dir" -j 2 >> "$dir.log" 2>&1; then
    # halt_on_error: any sanitizer report fails the run
    if TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
       ASAN_OPTIONS="halt_on_error=1 detect_leaks=1" \
       UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" "$dir/native_test"; then
      passed=$((passed + 1))
      return
    fi
  else
    cat "$dir.log"
  fi
  echo "native core tests ($name) FAILED"
  failed=$((failed + 1))
}

mkdir -p build-native-test
run tsan thread OFF
run asan-ubsan address OFF
run tsan-condvar thread ON
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
