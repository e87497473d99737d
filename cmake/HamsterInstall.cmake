# Installs public headers, static libraries and a CMake package so embedders
# can write find_package(Hamster REQUIRED COMPONENTS ec) and link hamster::ec.
include(CMakePackageConfigHelpers)
set(HAMSTER_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Hamster)

install(EXPORT HamsterTargets
  NAMESPACE hamster::
  DESTINATION ${HAMSTER_CMAKE_INSTALL_DIR})
configure_package_config_file(cmake/HamsterConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/HamsterConfig.cmake
  INSTALL_DESTINATION ${HAMSTER_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/HamsterConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/HamsterConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/HamsterConfigVersion.cmake
  cmake/HamsterDeps.cmake
  DESTINATION ${HAMSTER_CMAKE_INSTALL_DIR})
