#pragma once
// The report's tables: summary.csv's columns, the per-rate table of index.html and summary.md,
// the settings table, and summary.md itself.

#include <string>
#include <utility>
#include <vector>

#include <xoptim/viz/animation.hpp>

#include "runs.hpp"
#include "settings.hpp"

namespace xoptim_viz::report
{
    std::vector<std::string> summary_header();
    std::vector<std::string> summary_row(const run_summary& r, const problem_info& info);

    /// The table of one rate, for people.
    extern const std::vector<std::string> table_header;
    std::vector<std::string> table_row(const run_summary& r);

    /// (name, value) for every setting that shaped the report.
    std::vector<std::pair<std::string, std::string>> settings_rows(const settings& s, const problem_info& info,
                                                                   const std::vector<double>& start,
                                                                   const xoptim::viz::timeline& t);

    /// summary.md: the settings, what the columns mean, one table per rate and the verdict.
    std::string summary_markdown(const std::vector<run_summary>& runs, const settings& s, const problem_info& info,
                                 const std::vector<double>& start, const xoptim::viz::timeline& t,
                                 const std::vector<std::string>& verdict);
}
