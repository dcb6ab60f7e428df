# Installs libwskit with the library API's headers (not the engines' of
# wskit/tool/ and wskit/chat/, which are not part of it), a CMake package
# (find_package(wskit)) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS wskit EXPORT wskitTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/wskit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  PATTERN tool EXCLUDE PATTERN chat EXCLUDE)
install(EXPORT wskitTargets NAMESPACE wskit:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskit)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wskitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wskitConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskit)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wskitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wskitConfig.cmake ${PROJECT_BINARY_DIR}/wskitConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskit)

# The prefix is relative to the .pc file, so that the package works wherever
# `cmake --install --prefix` puts it.
file(RELATIVE_PATH WSKIT_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" WSKIT_PC_TO_PREFIX "${WSKIT_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/wskit.pc.in ${PROJECT_BINARY_DIR}/wskit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wskit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
