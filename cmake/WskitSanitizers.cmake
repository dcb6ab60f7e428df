# Instrumented builds, each in a build folder of its own (scripts/test.sh
# --sanitize, scripts/fuzz.sh). The flags apply to every target, the library
# included: a finding in libwskit is what these builds are for.

# WSKIT_SANITIZE: AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer. -fno-sanitize-recover makes undefined behaviour
# fail the process, so that a finding fails the test that triggered it instead
# of scrolling past in its output.
# Without the vptr check: it reads each vtable it checks through a new pipe
# (the sanitizer runtime's IsAccessibleMemoryRange), so in a process out of
# descriptors, as the servers' EMFILE tests make them on purpose, every
# call through std::error_category is reported as "invalid vptr" and kills
# a server that is behaving.
# Programs are linked as position-dependent executables: the relocations of
# an instrumented position-independent one were 40 % of its start (wskit
# --version: 0.28 s against 0.17 s), and the end-to-end tests start wskit
# thousands of times.
if(WSKIT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:-no-pie>")
endif()

# WSKIT_FUZZ: libFuzzer targets (tests/fuzz), clang only. Everything is
# compiled with coverage feedback (fuzzer-no-link) and ASan + UBSan; only the
# fuzz targets link libFuzzer's main (see tests/fuzz/CMakeLists.txt).
if(WSKIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "WSKIT_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(WSKIT_SANITIZE)
    message(FATAL_ERROR "WSKIT_FUZZ already builds with ASan and UBSan: leave WSKIT_SANITIZE off")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
