# Debian package of the development files: libxoptim-dev_<version>_all.deb.
# Only the "dev" install component (headers, CMake config, pkg-config file) goes in, so the
# package stays architecture independent; the xoptim-viz tool is not part of it.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "libxoptim-dev")
set(CPACK_PACKAGE_VENDOR "xoptim")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "xoptim maintainers <xoptim@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};xoptim;dev;/")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")

set(CPACK_DEBIAN_PACKAGE_NAME "libxoptim-dev")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "all")
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "xtensor-dev (>= ${XOPTIM_XTENSOR_MIN_VERSION}), libxsimd-dev (>= ${XOPTIM_XSIMD_MIN_VERSION}), xtl-dev (>= ${XOPTIM_XTL_MIN_VERSION}), libxxhash-dev (>= ${XOPTIM_XXHASH_MIN_VERSION})")
set(CPACK_DEBIAN_FILE_NAME "libxoptim-dev_${PROJECT_VERSION}_all.deb")

include(CPack)
