#pragma once
// Where the tests read their data, where they write, and the xoptim-viz they run. Defined in
// paths.cpp, the one translation unit that CMake gives the build's absolute paths, so that the
// other test sources compile the same wherever the tree is (and ccache can share them).

namespace xoptim_test
{
    /// tests/data in the source tree.
    const char* data_dir();
    /// The folder this test binary writes into (tests/output in the build tree).
    const char* output_dir();
    /// The built xoptim-viz; declared only where the tests were built with it (XOPTIM_TEST_HAS_VIZ).
    const char* viz_exe();
    /// The explorer page the build compiled into xoptim-viz, or "" when it was built without it.
    const char* explore_html();
}
