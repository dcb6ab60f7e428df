# Warning flags for the project's own targets (not for third-party headers,
# which are included as SYSTEM).
add_library(wskit_warnings INTERFACE)
target_compile_options(wskit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual
  $<$<BOOL:${WSKIT_WERROR}>:-Werror>)
