# XXH3, the checksum of xoptim's checkpoints (format 3): Debian's libxxhash-dev, used header-only
# (include/xoptim/io/bytes.hpp compiles it in with XXH_INLINE_ALL; nothing is linked). Included
# by the project's CMakeLists.txt and by the installed xoptimConfig.cmake. Defines the imported
# target xoptim::xxhash (its include directory) and sets xoptim_xxhash_FOUND, with
# xoptim_xxhash_MESSAGE saying what is missing when it is not found.
set(XOPTIM_XXHASH_MIN_VERSION 0.8)

find_path(XOPTIM_XXHASH_INCLUDE_DIR NAMES xxhash.h
  DOC "Directory holding xxhash.h (Debian: libxxhash-dev), for xoptim's checkpoint checksum")
set(xoptim_xxhash_FOUND FALSE)
set(xoptim_xxhash_MESSAGE "")
if(NOT XOPTIM_XXHASH_INCLUDE_DIR)
  set(xoptim_xxhash_MESSAGE
    "xxhash.h not found (install libxxhash-dev, or set XOPTIM_XXHASH_INCLUDE_DIR)")
else()
  file(STRINGS "${XOPTIM_XXHASH_INCLUDE_DIR}/xxhash.h" xxh_lines
    REGEX "^#define XXH_VERSION_(MAJOR|MINOR|RELEASE)[ \t]+[0-9]+")
  set(xxh_version "")
  foreach(part MAJOR MINOR RELEASE)
    string(REGEX MATCH "XXH_VERSION_${part}[ \t]+([0-9]+)" _ "${xxh_lines}")
    list(APPEND xxh_version "${CMAKE_MATCH_1}")
  endforeach()
  list(JOIN xxh_version "." xxh_version)
  if(xxh_version VERSION_LESS XOPTIM_XXHASH_MIN_VERSION)
    set(xoptim_xxhash_MESSAGE "xxhash.h in ${XOPTIM_XXHASH_INCLUDE_DIR} is version ${xxh_version}; "
      "XXH3 needs ${XOPTIM_XXHASH_MIN_VERSION} or later (libxxhash-dev)")
  else()
    set(xoptim_xxhash_FOUND TRUE)
    if(NOT TARGET xoptim::xxhash)
      add_library(xoptim::xxhash INTERFACE IMPORTED)
      set_target_properties(xoptim::xxhash PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${XOPTIM_XXHASH_INCLUDE_DIR}")
    endif()
  endif()
endif()
