#pragma once
// The explorer page compiled into xoptim-viz (explore/CMakeLists.txt generates its definition).

#include <string_view>

namespace xoptim_viz
{
    /// The whole page (explore/explore.html with its scripts and the WebAssembly inside), or
    /// empty when this xoptim-viz was built without it.
    std::string_view explore_page();

    /// Why the page is missing (empty when it is not).
    std::string_view explore_page_missing();
}  // namespace xoptim_viz
