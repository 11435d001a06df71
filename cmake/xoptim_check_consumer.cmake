# Run by the ctest test package.consumer (cmake -P). Installs the build tree into a staging
# prefix, moves that prefix (the package must be relocatable), then configures, builds and
# runs tests/consumer against it, and checks the pkg-config file.
# Inputs: BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER BUILD_TYPE
#         EXPECTED_VERSION PKGCONFIG_DIR INCLUDE_DIR [LAUNCHER]

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package.consumer: ${what} failed (${rc})\n${out}\n${err}")
  endif()
  message(STATUS "package.consumer: ${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(staged "${WORK_DIR}/staged")
set(prefix "${WORK_DIR}/prefix")

run_step("install into ${staged}" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${staged}")
file(RENAME "${staged}" "${prefix}")

set(launcher_arg "")
if(LAUNCHER)
  set(launcher_arg "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()
run_step("configure the consumer"
  "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  "-DXOPTIM_EXPECTED_PREFIX=${prefix}" "-DXOPTIM_EXPECTED_VERSION=${EXPECTED_VERSION}"
  ${launcher_arg})
run_step("build the consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run_step("run the consumer" "${WORK_DIR}/build/xoptim-consumer")
message(STATUS "${step_output}")

# pkg-config, through the moved prefix.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(pc_env "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${prefix}/${PKGCONFIG_DIR}")
run_step("pkg-config --modversion xoptim" ${pc_env} "${PKG_CONFIG}" --modversion xoptim)
string(STRIP "${step_output}" pc_version)
if(NOT pc_version STREQUAL EXPECTED_VERSION)
  message(FATAL_ERROR "package.consumer: xoptim.pc says version '${pc_version}', expected '${EXPECTED_VERSION}'")
endif()
run_step("pkg-config --cflags xoptim" ${pc_env} "${PKG_CONFIG}" --cflags xoptim)
string(STRIP "${step_output}" pc_cflags)
string(REGEX MATCHALL "-I[^ ]+" include_flags "${pc_cflags}")
file(REAL_PATH "${prefix}/${INCLUDE_DIR}" expected_include)
set(found FALSE)
foreach(flag IN LISTS include_flags)
  string(REGEX REPLACE "^-I" "" dir "${flag}")
  if(EXISTS "${dir}")
    file(REAL_PATH "${dir}" dir)
    if(dir STREQUAL expected_include AND EXISTS "${dir}/xoptim/version.hpp")
      set(found TRUE)
    endif()
  endif()
endforeach()
if(NOT found)
  message(FATAL_ERROR "package.consumer: pkg-config --cflags xoptim gave '${pc_cflags}', "
    "which does not point at ${expected_include} (with xoptim/version.hpp in it)")
endif()
message(STATUS "package.consumer: pkg-config cflags '${pc_cflags}' point at the installed headers")
