// The package metadata: the version macros agree with each other and with the version
// CMake read for the package; the test data directory is wired in.
#include <xoptim/version.hpp>
#include <xoptim/xoptim.hpp>

#include <doctest/doctest.h>

#include "paths.hpp"
#include <filesystem>
#include <string>

TEST_CASE("version macros, constants and the CMake package version agree")
{
    CHECK(std::string(XOPTIM_VERSION_STRING) == XOPTIM_EXPECTED_VERSION);
    CHECK(std::string(xoptim::version_string) == XOPTIM_EXPECTED_VERSION);
    const std::string composed = std::to_string(xoptim::version.major) + "." + std::to_string(xoptim::version.minor)
                                 + "." + std::to_string(xoptim::version.patch);
    CHECK(composed == XOPTIM_EXPECTED_VERSION);
    CHECK(XOPTIM_VERSION == xoptim::version.major * 10000 + xoptim::version.minor * 100 + xoptim::version.patch);
}

TEST_CASE("the reference data directory is available to the tests")
{
    CHECK(std::filesystem::is_regular_file(std::filesystem::path(xoptim_test::data_dir()) / "index.json"));
    CHECK(std::filesystem::is_directory(xoptim_test::output_dir()));
}
