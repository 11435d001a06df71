// The version of xoptim. This header is the single place where the version is written:
// CMakeLists.txt reads the three numbers below to set the package version.
#pragma once

#define XOPTIM_VERSION_MAJOR 0
#define XOPTIM_VERSION_MINOR 1
#define XOPTIM_VERSION_PATCH 0

#define XOPTIM_VERSION (XOPTIM_VERSION_MAJOR * 10000 + XOPTIM_VERSION_MINOR * 100 + XOPTIM_VERSION_PATCH)

#define XOPTIM_DETAIL_STRINGIFY_IMPL(x) #x
#define XOPTIM_DETAIL_STRINGIFY(x) XOPTIM_DETAIL_STRINGIFY_IMPL(x)
#define XOPTIM_VERSION_STRING                                                                                          \
    XOPTIM_DETAIL_STRINGIFY(XOPTIM_VERSION_MAJOR)                                                                      \
    "." XOPTIM_DETAIL_STRINGIFY(XOPTIM_VERSION_MINOR) "." XOPTIM_DETAIL_STRINGIFY(XOPTIM_VERSION_PATCH)

namespace xoptim
{
    struct version_info
    {
        int major;
        int minor;
        int patch;
    };

    inline constexpr version_info version{XOPTIM_VERSION_MAJOR, XOPTIM_VERSION_MINOR, XOPTIM_VERSION_PATCH};
    inline constexpr const char* version_string = XOPTIM_VERSION_STRING;
}
