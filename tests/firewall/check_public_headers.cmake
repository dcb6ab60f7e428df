# The compilation firewall (STYLE.md): no public header of libwskit may
# include websocketpp, Asio, OpenSSL, fmt or CLI11 (nor nlohmann-json or
# libedit, which are linked PRIVATE as well), directly or through another
# header. Run as
#   cmake -DINCLUDE_DIR=<lib/include> -DCXX=<compiler> -DWORK_DIR=<dir> -P check_public_headers.cmake
#
# 1. The #include lines of every header are checked.
# 2. Every header is compiled alone, with only INCLUDE_DIR on the include
#    path, so that it must be self-contained.
# 3. The preprocessor's list of files each header pulls in is checked, which
#    catches a forbidden header reached through a system or wskit header.

foreach(var INCLUDE_DIR CXX WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_public_headers.cmake needs -D${var}=...")
  endif()
endforeach()

file(GLOB headers RELATIVE ${INCLUDE_DIR} ${INCLUDE_DIR}/wskit/*.hpp ${INCLUDE_DIR}/wskit/*/*.hpp)
list(SORT headers)
if(NOT headers)
  message(FATAL_ERROR "no public headers found under ${INCLUDE_DIR}/wskit")
endif()

# Include names, as written after #include.
set(forbidden_name "^(websocketpp/|asio/|asio\\.hpp|openssl/|fmt/|CLI/|CLI11\\.hpp|nlohmann/|histedit\\.h|editline/)")
# Paths of files pulled in, as the preprocessor lists them.
set(forbidden_path "/(websocketpp|asio|openssl|fmt|CLI|nlohmann|editline)/|/(asio\\.hpp|CLI11\\.hpp|histedit\\.h)$")

set(failures "")
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

foreach(header ${headers})
  # 1. Direct includes.
  file(STRINGS ${INCLUDE_DIR}/${header} include_lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${include_lines})
    if(line MATCHES "#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
      set(name ${CMAKE_MATCH_1})
      if(name MATCHES "${forbidden_name}")
        string(APPEND failures "${header}: includes <${name}>\n")
      endif()
    endif()
  endforeach()

  # 2. Self-contained: compiles alone (twice included, for the guard).
  string(MAKE_C_IDENTIFIER ${header} stem)
  set(tu ${WORK_DIR}/${stem}.cpp)
  file(WRITE ${tu} "#include <${header}>\n#include <${header}>\nint main() { return 0; }\n")
  execute_process(
    COMMAND ${CXX} -std=c++17 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -I${INCLUDE_DIR} ${tu}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(APPEND failures "${header}: does not compile alone with only ${INCLUDE_DIR} on the include path:\n${out}\n")
    continue()
  endif()

  # 3. Transitive includes.
  execute_process(
    COMMAND ${CXX} -std=c++17 -I${INCLUDE_DIR} -M ${tu}
    RESULT_VARIABLE rc OUTPUT_VARIABLE deps ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(APPEND failures "${header}: the preprocessor failed: ${err}\n")
    continue()
  endif()
  string(REPLACE "\\\n" " " deps "${deps}")
  string(REGEX REPLACE "^[^:]*:" "" deps "${deps}")
  separate_arguments(deps UNIX_COMMAND "${deps}")
  foreach(dep ${deps})
    if(dep MATCHES "${forbidden_path}")
      string(APPEND failures "${header}: pulls in ${dep} (the first of the forbidden files it reaches)\n")
      break()
    endif()
  endforeach()
endforeach()

list(LENGTH headers count)
if(failures)
  message(FATAL_ERROR "the compilation firewall is broken:\n${failures}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
message(STATUS "${count} public headers checked: self-contained, no third-party includes")
