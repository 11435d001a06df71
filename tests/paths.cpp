// The build's paths for the test binaries (see paths.hpp); CMake defines the three macros on
// this file alone.
#include "paths.hpp"

namespace xoptim_test
{
    const char* data_dir() { return XOPTIM_TEST_DATA_DIR; }
    const char* output_dir() { return XOPTIM_TEST_OUTPUT_DIR; }
#ifdef XOPTIM_VIZ_EXE
    const char* viz_exe() { return XOPTIM_VIZ_EXE; }
#endif
#ifdef XOPTIM_EXPLORE_HTML
    const char* explore_html() { return XOPTIM_EXPLORE_HTML; }
#else
    const char* explore_html() { return ""; }
#endif
}
