#pragma once
// Writes a report: every figure, its CSV data, summary.csv, summary.md and index.html, from runs
// already made (nothing is written until every run is done).

#include <chrono>
#include <cstddef>
#include <ostream>
#include <vector>

#include "runs.hpp"
#include "settings.hpp"

namespace xoptim_viz::report
{
    /// Writes the report of `runs` into s.out and lists on `out` what it wrote, how long it took
    /// since `started`, and the verdict; returns the number of files written.
    std::size_t write_report(const std::vector<run_summary>& runs, const problem_info& info, const settings& s,
                             const std::vector<double>& start, std::ostream& out,
                             std::chrono::steady_clock::time_point started);
}
