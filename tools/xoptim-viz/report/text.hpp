#pragma once
// How the report writes numbers and counts for people (its CSV files use viz::format_full).

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <xoptim/viz/csv.hpp>

namespace xoptim_viz::report
{
    /// Up to 4 significant digits.
    inline std::string human(double v)
    {
        if (!std::isfinite(v)) { return xoptim::viz::format_full(v); }
        char buf[48];
        std::snprintf(buf, sizeof buf, "%.4g", v);
        return buf;
    }

    /// "12.5%" of a fraction.
    inline std::string percent(double fraction)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g%%", 100.0 * fraction);
        return buf;
    }

    inline std::string yes_no(bool b) { return b ? "yes" : "no"; }

    inline std::string optional_count(const std::optional<std::size_t>& v) { return v ? std::to_string(*v) : "never"; }

    inline std::string upper(std::string_view s)
    {
        std::string out(s);
        for (char& c : out) { c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c); }
        return out;
    }

    /// The part of the file names that says the learning rate: "lr0.1".
    inline std::string lr_tag(double lr) { return "lr" + xoptim::viz::format_full(lr); }
}
