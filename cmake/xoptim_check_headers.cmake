# Run by the ctest test headers.self_contained (cmake -P). Builds the header check targets
# (every public header on its own and after xoptim/xoptim.hpp, see xoptim_header_check.cmake;
# the build re-runs the glob first), then checks that the headers they cover are exactly the
# headers under include/xoptim/ now: each one checked, or skipped only if it is under mpi/.
# Inputs: BUILD_DIR CONFIG TARGETS INCLUDE_DIR MANIFEST

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" ${config_args} --target ${TARGETS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "headers.self_contained: building ${TARGETS} failed (${rc}):\n${out}\n${err}")
endif()

file(GLOB_RECURSE headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/xoptim/*.hpp")
list(SORT headers)
file(STRINGS "${MANIFEST}" manifest)

set(checked "")
set(skipped "")
foreach(line IN LISTS manifest)
  if(line MATCHES "^checked (.+)$")
    list(APPEND checked "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^skipped (xoptim/mpi/.+|xoptim/(muon|shampoo)/.+|xoptim/(muon|shampoo)\\.hpp)$")
    list(APPEND skipped "${CMAKE_MATCH_1}")
  else()
    message(FATAL_ERROR "headers.self_contained: unexpected line in ${MANIFEST}: '${line}'")
  endif()
endforeach()

set(covered ${checked} ${skipped})
list(SORT covered)
if(NOT covered STREQUAL headers)
  set(missing ${headers})
  list(REMOVE_ITEM missing ${covered})
  set(extra ${covered})
  list(REMOVE_ITEM extra ${headers})
  message(FATAL_ERROR "headers.self_contained: the check does not cover the headers in ${INCLUDE_DIR}\n"
    "  not checked: ${missing}\n  checked but gone: ${extra}")
endif()

list(LENGTH headers n_headers)
list(LENGTH checked n_checked)
list(LENGTH skipped n_skipped)
if(n_checked EQUAL 0)
  message(FATAL_ERROR "headers.self_contained: no header found under ${INCLUDE_DIR}/xoptim")
endif()
set(skip_note "")
if(n_skipped GREATER 0)
  set(skip_note "; ${n_skipped} under mpi/ or muon skipped (built without MPI or without BLAS)")
endif()
message(STATUS "headers.self_contained: ${n_checked} of ${n_headers} headers compile on their own "
  "and after xoptim/xoptim.hpp${skip_note}")
