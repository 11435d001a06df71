#pragma once
// The verdict on the post's conclusion ("with LAMB we can use a high learning rate yet the
// algorithm converges smoothly to the optimal parameters"), with the numbers behind it.

#include <string>
#include <vector>

#include "runs.hpp"
#include "settings.hpp"

namespace xoptim_viz::report
{
    /// Paragraphs: the verdict at LAMB's highest rate, the criteria when it fails, and Adam's and
    /// plain sgd's numbers at that rate.
    std::vector<std::string> conclusion(const std::vector<run_summary>& runs, const settings& s,
                                        const problem_info& info);
}
