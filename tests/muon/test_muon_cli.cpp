// xoptim-viz fit --optimizer muon on the seed's (vector) problem: one line saying Muon needs a
// matrix, exit status 2, nothing on standard output.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "cli_support.hpp"

#ifdef XOPTIM_VIZ_EXE
TEST_CASE("xoptim-viz fit --optimizer muon on a vector problem says Muon needs a matrix")
{
    const auto folder = std::filesystem::path(XOPTIM_TEST_OUTPUT_DIR) / "cli_muon";
    const auto r = xoptim_test::run_viz(folder, "fit --optimizer muon");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("muon needs a matrix parameter") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
#endif

#ifdef XOPTIM_VIZ_EXE
TEST_CASE("xoptim-viz fit --optimizer shampoo on a vector problem says Shampoo needs a matrix")
{
    const auto folder = std::filesystem::path(XOPTIM_TEST_OUTPUT_DIR) / "cli_shampoo";
    const auto r = xoptim_test::run_viz(folder, "fit --optimizer shampoo");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("shampoo needs a matrix parameter") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
#endif
