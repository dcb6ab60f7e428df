# Dependency lookup. Everything comes from Debian packages (see scripts/deps.sh).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)
# --until: RE2 matches in linear time, where std::regex recurses per
# character and overflows the stack on a long message.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# broadcast-chat --redis: hiredis' async API, driven by wskit's own Asio loop.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
# Chat names: NFKC (icu-uc's Normalizer2) and UTS #39 confusable skeletons
# (icu-i18n's uspoof), so that look-alike names cannot pass for each other.
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc icu-i18n)
# WebSockets over HTTP/2 (RFC 8441): nghttp2's framing, HPACK and flow
# control, driven by wskit's own Asio loop (net/h2_session.cpp).
pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2)

# Debian's libasio-dev ships no CMake or pkg-config file: standalone Asio is
# header-only, so an INTERFACE target carries its include path and define.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(wskit_asio INTERFACE)
target_include_directories(wskit_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(wskit_asio INTERFACE ASIO_STANDALONE)
target_link_libraries(wskit_asio INTERFACE Threads::Threads)

# websocketpp is header-only too; _WEBSOCKETPP_CPP11_STL_ makes it use std::
# instead of Boost for threads, memory, functional and system_error.
find_path(WEBSOCKETPP_INCLUDE_DIR websocketpp/version.hpp REQUIRED)
add_library(wskit_websocketpp INTERFACE)
target_include_directories(wskit_websocketpp SYSTEM INTERFACE ${WEBSOCKETPP_INCLUDE_DIR})
target_compile_definitions(wskit_websocketpp INTERFACE _WEBSOCKETPP_CPP11_STL_)
target_link_libraries(wskit_websocketpp INTERFACE wskit_asio OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB)
