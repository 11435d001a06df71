# Run by the ctest test package.deb (cmake -P): builds the Debian package with CPack and
# checks its file name, its architecture, its dependencies and its contents.
# Inputs: BUILD_DIR WORK_DIR CPACK DPKG_DEB EXPECTED_VERSION

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package.deb: ${what} failed (${rc})\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
run_step("cpack" "${CPACK}" -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${WORK_DIR}")

set(deb "${WORK_DIR}/libxoptim-dev_${EXPECTED_VERSION}_all.deb")
if(NOT EXISTS "${deb}")
  file(GLOB made "${WORK_DIR}/*.deb")
  message(FATAL_ERROR "package.deb: expected ${deb}, cpack made: ${made}")
endif()

run_step("dpkg-deb -f" "${DPKG_DEB}" -f "${deb}" Package Architecture Version Depends)
set(fields "${step_output}")
foreach(expected "Package: libxoptim-dev" "Architecture: all" "Version: ${EXPECTED_VERSION}"
    "xtensor-dev" "libxsimd-dev" "xtl-dev" "libxxhash-dev")
  string(FIND "${fields}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "package.deb: control fields lack '${expected}':\n${fields}")
  endif()
endforeach()

run_step("dpkg-deb -c" "${DPKG_DEB}" -c "${deb}")
set(contents "${step_output}")
foreach(expected
    "./usr/include/xoptim/version.hpp"
    "./usr/share/cmake/xoptim/xoptimConfig.cmake"
    "./usr/share/cmake/xoptim/xoptimConfigVersion.cmake"
    "./usr/share/cmake/xoptim/xoptimTargets.cmake"
    "./usr/share/pkgconfig/xoptim.pc")
  string(FIND "${contents}" " ${expected}\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "package.deb: ${deb} lacks ${expected}:\n${contents}")
  endif()
endforeach()
# Architecture "all" must not carry compiled programs.
if(contents MATCHES " \\./usr/bin/[^\n]")
  message(FATAL_ERROR "package.deb: an architecture-independent package contains programs:\n${contents}")
endif()
message(STATUS "package.deb: ${deb} is fine:\n${fields}")
