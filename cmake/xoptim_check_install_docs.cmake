# Run by the ctest test package.install_as_documented (cmake -P). Runs the install commands of
# docs/install.md exactly as written there (the fenced block between the markers
# <!-- install-commands --> and <!-- /install-commands -->) on a fresh copy of the source tree,
# with a single substitution: the documented prefix /opt/xoptim becomes <WORK_DIR>/prefix.
# Then checks the installed tree against the layout the document gives, and builds and runs
# tests/consumer against it with find_package, and checks pkg-config.
# Inputs: SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER BUILD_TYPE EXPECTED_VERSION [GIT] [LAUNCHER]

set(XOPTIM_CHECK_NAME package.install_as_documented)
include("${CMAKE_CURRENT_LIST_DIR}/xoptim_package_checks.cmake")

set(doc "${SOURCE_DIR}/docs/install.md")
set(doc_prefix "/opt/xoptim")
set(begin_marker "<!-- install-commands -->")
set(end_marker "<!-- /install-commands -->")

# xoptim_install_commands(<out_var>): the text of the first fenced code block between the
# markers of docs/install.md.
function(xoptim_install_commands out_var)
  file(READ "${doc}" text)
  string(FIND "${text}" "${begin_marker}" begin)
  string(FIND "${text}" "${end_marker}" end)
  if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: ${doc} lacks '${begin_marker}' ... '${end_marker}'")
  endif()
  string(LENGTH "${begin_marker}" marker_length)
  math(EXPR from "${begin} + ${marker_length}")
  math(EXPR length "${end} - ${from}")
  string(SUBSTRING "${text}" ${from} ${length} section)
  # The fence: ``` and an info string (sh) on one line, the commands, then ``` again.
  string(FIND "${section}" "```" open)
  if(open EQUAL -1)
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: no fenced code block between the markers of ${doc}")
  endif()
  string(SUBSTRING "${section}" ${open} -1 section)
  string(FIND "${section}" "\n" line_end)
  math(EXPR line_end "${line_end} + 1")
  string(SUBSTRING "${section}" ${line_end} -1 section)
  string(FIND "${section}" "```" close)
  if(close EQUAL -1)
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: the code block between the markers of ${doc} is not closed")
  endif()
  string(SUBSTRING "${section}" 0 ${close} commands)
  string(STRIP "${commands}" stripped)
  if(stripped STREQUAL "")
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: the install block of ${doc} is empty")
  endif()
  set(${out_var} "${commands}" PARENT_SCOPE)
endfunction()

# xoptim_copy_source_tree(<destination>): the files of a fresh clone. In a git checkout, the
# files `git ls-files` lists (with their contents in the working tree, so uncommitted edits
# are tested; a new file counts once it is added); otherwise the whole tree but the build
# directories (/build*/, /out/, as .gitignore has them).
function(xoptim_copy_source_tree destination)
  set(files "")
  if(GIT)
    execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse --show-toplevel
      RESULT_VARIABLE rc OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(rc EQUAL 0)
      file(REAL_PATH "${top}" top)
      file(REAL_PATH "${SOURCE_DIR}" source_real)
    endif()
    if(rc EQUAL 0 AND top STREQUAL source_real)
      xoptim_run_step("git ls-files" "${GIT}" -C "${SOURCE_DIR}" -c core.quotePath=false ls-files)
      string(REPLACE "\n" ";" files "${step_output}")
    endif()
  endif()
  if(files)
    set(copied 0)
    foreach(file IN LISTS files)
      # Listed but deleted in the working tree: not part of the tree being tested.
      if(file STREQUAL "" OR NOT EXISTS "${SOURCE_DIR}/${file}")
        continue()
      endif()
      get_filename_component(dir "${file}" DIRECTORY)
      file(COPY "${SOURCE_DIR}/${file}" DESTINATION "${destination}/${dir}")
      math(EXPR copied "${copied} + 1")
    endforeach()
    message(STATUS "${XOPTIM_CHECK_NAME}: copied the ${copied} files git ls-files lists")
  else()
    file(GLOB entries RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*" "${SOURCE_DIR}/.*")
    foreach(entry IN LISTS entries)
      if(NOT entry MATCHES "^(build.*|out|\\.git)$")
        file(COPY "${SOURCE_DIR}/${entry}" DESTINATION "${destination}")
      endif()
    endforeach()
    message(STATUS "${XOPTIM_CHECK_NAME}: not a git checkout, copied the tree without its build directories")
  endif()
endfunction()

# ------------------------------------------------------------------------------ run
# The prefix is pasted into shell commands: keep it free of characters the shell would split.
if(NOT WORK_DIR MATCHES "^[A-Za-z0-9_./+-]+$")
  message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: the work directory '${WORK_DIR}' needs quoting in a shell")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
set(source_copy "${WORK_DIR}/source")
set(prefix "${WORK_DIR}/prefix")

xoptim_install_commands(commands)
string(FIND "${commands}" "${doc_prefix}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: the install block of ${doc} does not install to ${doc_prefix}:\n${commands}")
endif()
string(REPLACE "${doc_prefix}" "${prefix}" commands "${commands}")
file(WRITE "${WORK_DIR}/install-commands.sh" "${commands}")
message(STATUS "${XOPTIM_CHECK_NAME}: the commands of docs/install.md, ${doc_prefix} -> ${prefix}:\n${commands}")

xoptim_copy_source_tree("${source_copy}")

# In the copy's top directory, as a user in a fresh clone; `cmake` is the one running this
# test, `c++` the compiler of this build; an inherited DESTDIR would move the install.
find_program(SH sh REQUIRED)
get_filename_component(cmake_bin_dir "${CMAKE_COMMAND}" DIRECTORY)
xoptim_run_step("the install commands"
  "${CMAKE_COMMAND}" -E chdir "${source_copy}"
  "${CMAKE_COMMAND}" -E env --unset=DESTDIR "PATH=${cmake_bin_dir}:$ENV{PATH}" "CXX=${CXX_COMPILER}"
  "${SH}" -e -x "${WORK_DIR}/install-commands.sh")

# The layout docs/install.md gives: headers, CMake package, pkg-config file; no tool, since
# the documented commands build nothing.
foreach(file
    include/xoptim/xoptim.hpp
    include/xoptim/all.hpp
    include/xoptim/version.hpp
    share/cmake/xoptim/xoptimConfig.cmake
    share/cmake/xoptim/xoptimConfigVersion.cmake
    share/cmake/xoptim/xoptimTargets.cmake
    share/pkgconfig/xoptim.pc)
  if(NOT EXISTS "${prefix}/${file}")
    message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: ${prefix}/${file} was not installed")
  endif()
endforeach()
file(GLOB_RECURSE source_headers RELATIVE "${source_copy}/include" "${source_copy}/include/xoptim/*.hpp")
file(GLOB_RECURSE installed_headers RELATIVE "${prefix}/include" "${prefix}/include/xoptim/*.hpp")
list(SORT source_headers)
list(SORT installed_headers)
if(NOT source_headers STREQUAL installed_headers)
  message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: installed headers differ from include/xoptim/:\n"
    "  source: ${source_headers}\n  installed: ${installed_headers}")
endif()
file(GLOB programs "${prefix}/bin/*")
if(programs)
  message(FATAL_ERROR "${XOPTIM_CHECK_NAME}: the documented commands build nothing, yet programs were installed: ${programs}")
endif()
list(LENGTH installed_headers n_headers)
message(STATUS "${XOPTIM_CHECK_NAME}: ${n_headers} headers, the CMake package and xoptim.pc installed, no program")

xoptim_check_consumer("${prefix}" "${WORK_DIR}/consumer" "${source_copy}/tests/consumer" "${GENERATOR}"
  "${CXX_COMPILER}" "${BUILD_TYPE}" "${EXPECTED_VERSION}" "${LAUNCHER}")
xoptim_check_pkgconfig("${prefix}" share/pkgconfig include "${EXPECTED_VERSION}")
