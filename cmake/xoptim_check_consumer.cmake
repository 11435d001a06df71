# Run by the ctest test package.consumer (cmake -P). Installs the build tree into a staging
# prefix, moves that prefix (the package must be relocatable), then configures, builds and
# runs tests/consumer against it, and checks the pkg-config file.
# Inputs: BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER BUILD_TYPE
#         EXPECTED_VERSION PKGCONFIG_DIR INCLUDE_DIR [LAUNCHER]

set(XOPTIM_CHECK_NAME package.consumer)
include("${CMAKE_CURRENT_LIST_DIR}/xoptim_package_checks.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
set(staged "${WORK_DIR}/staged")
set(prefix "${WORK_DIR}/prefix")

xoptim_run_step("install into ${staged}" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${staged}")
file(RENAME "${staged}" "${prefix}")

xoptim_check_consumer("${prefix}" "${WORK_DIR}/build" "${CONSUMER_SOURCE_DIR}" "${GENERATOR}"
  "${CXX_COMPILER}" "${BUILD_TYPE}" "${EXPECTED_VERSION}" "${LAUNCHER}")

# pkg-config, through the moved prefix.
xoptim_check_pkgconfig("${prefix}" "${PKGCONFIG_DIR}" "${INCLUDE_DIR}" "${EXPECTED_VERSION}")
