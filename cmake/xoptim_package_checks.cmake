# Checks of an installed xoptim prefix, shared by the cmake -P scripts of the package tests
# (xoptim_check_consumer.cmake, xoptim_check_install_docs.cmake). Messages start with
# ${XOPTIM_CHECK_NAME}, the name of the test that runs them.

# xoptim_run_step(<what> <command>...): runs the command, stops the test if it fails; its
# standard output is left in `step_output`.
function(xoptim_run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: ${what} failed (${rc})\n${out}\n${err}")
  endif()
  message(STATUS "${XOPTIM_CHECK_NAME}: ${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# xoptim_check_consumer(<prefix> <build_dir> <consumer_source_dir> <generator> <cxx_compiler>
#                       <build_type> <expected_version> [<launcher>])
# Configures, builds and runs the separate project tests/consumer against the package in
# <prefix> with find_package(xoptim CONFIG REQUIRED); it checks it found that very prefix.
function(xoptim_check_consumer prefix build_dir source_dir generator cxx_compiler build_type
    expected_version)
  set(launcher_arg "")
  if(ARGC GREATER 7 AND NOT ARGV7 STREQUAL "")
    set(launcher_arg "-DCMAKE_CXX_COMPILER_LAUNCHER=${ARGV7}")
  endif()
  xoptim_run_step("configure the consumer"
    "${CMAKE_COMMAND}" -S "${source_dir}" -B "${build_dir}" -G "${generator}"
    "-DCMAKE_CXX_COMPILER=${cxx_compiler}" "-DCMAKE_BUILD_TYPE=${build_type}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DXOPTIM_EXPECTED_PREFIX=${prefix}" "-DXOPTIM_EXPECTED_VERSION=${expected_version}"
    ${launcher_arg})
  xoptim_run_step("build the consumer" "${CMAKE_COMMAND}" --build "${build_dir}")
  xoptim_run_step("run the consumer" "${build_dir}/xoptim-consumer")
  message(STATUS "${step_output}")
  xoptim_run_step("run the xoptim::viz consumer" "${build_dir}/xoptim-viz-consumer")
  message(STATUS "${step_output}")
endfunction()

# xoptim_check_pkgconfig(<prefix> <pkgconfig_dir> <include_dir> <expected_version>)
# pkg-config through <prefix>/<pkgconfig_dir>: the version is the expected one and
# --cflags points at <prefix>/<include_dir>, where xoptim/version.hpp is.
function(xoptim_check_pkgconfig prefix pkgconfig_dir include_dir expected_version)
  find_program(PKG_CONFIG pkg-config REQUIRED)
  set(pc_env "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${prefix}/${pkgconfig_dir}")
  xoptim_run_step("pkg-config --modversion xoptim" ${pc_env} "${PKG_CONFIG}" --modversion xoptim)
  string(STRIP "${step_output}" pc_version)
  if(NOT pc_version STREQUAL expected_version)
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: xoptim.pc says version '${pc_version}', expected '${expected_version}'")
  endif()
  xoptim_run_step("pkg-config --cflags xoptim" ${pc_env} "${PKG_CONFIG}" --cflags xoptim)
  string(STRIP "${step_output}" pc_cflags)
  string(REGEX MATCHALL "-I[^ ]+" include_flags "${pc_cflags}")
  file(REAL_PATH "${prefix}/${include_dir}" expected_include)
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
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: pkg-config --cflags xoptim gave '${pc_cflags}', "
      "which does not point at ${expected_include} (with xoptim/version.hpp in it)")
  endif()
  message(STATUS "${XOPTIM_CHECK_NAME}: pkg-config cflags '${pc_cflags}' point at the installed headers")
endfunction()
