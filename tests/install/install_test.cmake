# ctest install.package: installs the build tree into a temporary prefix and
# uses it as a user would. Run as
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=<project> -DWORK_DIR=... -DCXX=... -DGENERATOR=...
#         -DBINDIR=... -DLIBDIR=... -DINCLUDEDIR=... -DMANDIR=... -DDATADIR=... -P install_test.cmake
#
# Checks: the binary runs from the prefix, the library API's headers (not
# the engines'), CMake package, pkg-config file, man pages and completions
# are installed; a consumer project builds against the package with
# find_package(wskit) and with pkg-config, and runs.

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR CXX GENERATOR BINDIR LIBDIR INCLUDEDIR MANDIR DATADIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_test.cmake needs -D${var}=...")
  endif()
endforeach()

string(RANDOM LENGTH 8 suffix)
set(tmp ${WORK_DIR}/install-test-${suffix})
set(prefix ${tmp}/prefix)
set(failures "")

macro(fail what)
  string(APPEND failures "${what}\n")
endmacro()

# Runs a command; on failure records `what` with the command's output and
# sets ok to FALSE. The output is left in `output`.
macro(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(rc EQUAL 0)
    set(ok TRUE)
  else()
    set(ok FALSE)
    fail("${what} failed (${rc}): ${ARGN}\n${output}")
  endif()
endmacro()

macro(finish)
  file(REMOVE_RECURSE ${tmp})
  if(failures)
    message(FATAL_ERROR "install test failed:\n${failures}")
  endif()
  message(STATUS "install test passed")
  return()
endmacro()

file(REMOVE_RECURSE ${tmp})
file(MAKE_DIRECTORY ${tmp})

run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
if(NOT ok)
  finish()
endif()

# --- what must be installed ------------------------------------------------------

set(expected
  ${BINDIR}/wskit
  ${LIBDIR}/libwskit.so
  ${LIBDIR}/cmake/wskit/wskitConfig.cmake
  ${LIBDIR}/cmake/wskit/wskitConfigVersion.cmake
  ${LIBDIR}/cmake/wskit/wskitTargets.cmake
  ${LIBDIR}/pkgconfig/wskit.pc
  ${MANDIR}/man1/wskit.1
  ${MANDIR}/man1/wskit-connect.1
  ${MANDIR}/man1/wskit-echo.1
  ${DATADIR}/bash-completion/completions/wskit
  ${DATADIR}/zsh/vendor-completions/_wskit
  ${DATADIR}/fish/vendor_completions.d/wskit.fish)
file(GLOB source_headers RELATIVE ${SOURCE_DIR}/lib/include ${SOURCE_DIR}/lib/include/wskit/*.hpp)
foreach(h ${source_headers})
  list(APPEND expected ${INCLUDEDIR}/${h})
endforeach()
file(GLOB source_man RELATIVE ${SOURCE_DIR}/man ${SOURCE_DIR}/man/*.1)
foreach(m ${source_man})
  list(APPEND expected ${MANDIR}/man1/${m})
endforeach()
list(REMOVE_DUPLICATES expected)
foreach(f ${expected})
  if(NOT EXISTS ${prefix}/${f})
    fail("not installed: <prefix>/${f}")
  endif()
endforeach()

# Installed files are the committed ones, byte for byte.
foreach(pair "completions/wskit.bash=${DATADIR}/bash-completion/completions/wskit"
             "completions/_wskit=${DATADIR}/zsh/vendor-completions/_wskit"
             "completions/wskit.fish=${DATADIR}/fish/vendor_completions.d/wskit.fish")
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 src)
  list(GET pair 1 dst)
  if(EXISTS ${prefix}/${dst})
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${SOURCE_DIR}/${src} ${prefix}/${dst}
                    RESULT_VARIABLE same)
    if(NOT same EQUAL 0)
      fail("<prefix>/${dst} differs from ${src}")
    endif()
  endif()
endforeach()

# --- the installed binary runs from the prefix ----------------------------------

set(ENV{LD_LIBRARY_PATH} "")
if(EXISTS ${prefix}/${BINDIR}/wskit)
  run("installed wskit --version" ${prefix}/${BINDIR}/wskit --version)
  if(ok AND NOT output MATCHES "^wskit [0-9]+\\.[0-9]+\\.[0-9]+")
    fail("installed wskit --version printed: ${output}")
  endif()
  # The CLI links the library statically (with the engines, which are not
  # part of the installed library): it must not depend on another copy.
  run("ldd on the installed wskit" ldd ${prefix}/${BINDIR}/wskit)
  if(ok AND output MATCHES "libwskit\\.so")
    fail("the installed wskit loads a libwskit:\n${output}")
  endif()
endif()

# The library API needs OpenSSL, zlib and fmt, not what only the engines use.
run("ldd on the installed libwskit" ldd ${prefix}/${LIBDIR}/libwskit.so)
if(ok)
  foreach(engine_only libedit libre2 libhiredis libicu)
    if(output MATCHES "${engine_only}")
      fail("the installed libwskit depends on ${engine_only}, which only the engines need:\n${output}")
    endif()
  endforeach()
endif()

# Only the library API's headers: the engines' are not part of it.
foreach(engine_dir tool chat)
  if(EXISTS ${prefix}/${INCLUDEDIR}/wskit/${engine_dir})
    fail("<prefix>/${INCLUDEDIR}/wskit/${engine_dir} is installed; only the library API's headers are")
  endif()
endforeach()

# --- a consumer with find_package(wskit) ----------------------------------------

set(consumer_src ${CMAKE_CURRENT_LIST_DIR}/consumer)
set(consumer_build ${tmp}/consumer-cmake)

# Checks that `exe` prints the canonical URL and maps a bad one to exit 2.
macro(check_consumer how exe)
  run("${how} consumer" ${exe} "HTTP://User:pw@Example.COM:8080/chat?room=1#frag")
  if(ok AND NOT output STREQUAL "ws://example.com:8080/chat?room=1\n")
    fail("${how} consumer printed '${output}', expected 'ws://example.com:8080/chat?room=1'")
  elseif(ok)
    message(STATUS "${how} consumer: ${output}")
  endif()
  execute_process(COMMAND ${exe} "ftp://example.com/" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "unsupported scheme 'ftp'")
    fail("${how} consumer: a bad URL gave exit ${rc} and '${err}', expected exit 2 and the reason")
  endif()
endmacro()

run("configuring the find_package consumer"
    ${CMAKE_COMMAND} -S ${consumer_src} -B ${consumer_build} -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -Dwskit_DIR=)
if(ok)
  file(STRINGS ${consumer_build}/CMakeCache.txt wskit_dir REGEX "^wskit_DIR:")
  if(NOT wskit_dir MATCHES "=${prefix}/")
    fail("find_package(wskit) did not find the package in the prefix: ${wskit_dir}")
  endif()
  run("building the find_package consumer" ${CMAKE_COMMAND} --build ${consumer_build})
  if(ok)
    check_consumer("find_package" ${consumer_build}/consumer)
  endif()
endif()

# --- the same program with pkg-config -------------------------------------------

find_program(PKG_CONFIG_EXECUTABLE pkg-config)
if(NOT PKG_CONFIG_EXECUTABLE)
  fail("pkg-config is not installed")
  finish()
endif()
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
set(ENV{PKG_CONFIG_LIBDIR} ${prefix}/${LIBDIR}/pkgconfig)
run("pkg-config --variable=includedir wskit" ${PKG_CONFIG_EXECUTABLE} --variable=includedir wskit)
if(ok)
  string(STRIP "${output}" includedir)
  # The .pc file may name its prefix relative to itself (${pcfiledir}/../..).
  get_filename_component(includedir "${includedir}" REALPATH)
  get_filename_component(expected_includedir "${prefix}/${INCLUDEDIR}" REALPATH)
  if(NOT includedir STREQUAL expected_includedir)
    fail("wskit.pc installed under ${prefix} names includedir ${includedir}, expected ${prefix}/${INCLUDEDIR}")
  endif()
endif()
run("pkg-config --cflags --libs wskit" ${PKG_CONFIG_EXECUTABLE} --cflags --libs wskit)
if(ok)
  separate_arguments(pc_flags UNIX_COMMAND "${output}")
  set(pc_exe ${tmp}/consumer-pkg-config)
  run("compiling the consumer with pkg-config's flags"
      ${CXX} ${consumer_src}/main.cpp ${pc_flags} -o ${pc_exe})
  if(ok)
    set(ENV{LD_LIBRARY_PATH} ${prefix}/${LIBDIR})
    check_consumer("pkg-config" ${pc_exe})
    set(ENV{LD_LIBRARY_PATH} "")
  endif()
endif()

finish()
