#pragma once
// --points N and --noise X: the seed's data set's size and noise, read and checked once for
// xoptim-viz fit and for the explorer's map (explore/module.cpp).

#include <cmath>
#include <cstddef>
#include <string>

#include <xoptim/problems/seed_data.hpp>

#include "cli.hpp"
#include "command_line.hpp"

namespace xoptim_viz
{
    /// --points: 1 to 1,000,000; usage_error naming the flag and its value otherwise.
    inline void check_points(std::size_t n, const std::string& text)
    {
        if (n == 0 || n > 1000000) { throw usage_error("--points: between 1 and 1000000, got " + text); }
    }

    /// --noise: finite and >= 0 (parse_double has checked finite); usage_error otherwise.
    inline void check_noise(double x, const std::string& text)
    {
        if (!(x >= 0.0) || !std::isfinite(x)) { throw usage_error("--noise: a finite number >= 0, got " + text); }
    }

    /// "100 points, y = 3 + 5x + U(0, 1)": the seed's data set as `o` makes it.
    inline std::string seed_data_summary(const xoptim::seed_data_options& o = {})
    {
        return std::to_string(o.size) + " points, y = " + shortest_number(o.intercept) + " + "
               + shortest_number(o.slope) + "x + U(0, " + shortest_number(o.noise) + ")";
    }

    /// Declares --points and --noise, bound to `o` (its values the defaults).
    inline void add_seed_data_flags(command_line& line, xoptim::seed_data_options& o)
    {
        line.add_count<std::size_t>("--points", o.size, "N", "points of the seed's data set", check_points);
        line.add_number("--noise", o.noise,
                        "the seed's data set's noise: y = " + shortest_number(o.intercept) + " + "
                            + shortest_number(o.slope) + "x + U(0, X)",
                        check_noise);
    }

    /// The seed's data set options from --points and --noise already parsed as text (the
    /// explorer's map); the same checks as add_seed_data_flags.
    inline xoptim::seed_data_options seed_data_flags(const parsed_flags& given)
    {
        xoptim::seed_data_options o;
        if (const auto n = given.get("--points"))
        {
            o.size = parse_unsigned("--points", *n);
            check_points(o.size, *n);
        }
        if (const auto x = given.get("--noise"))
        {
            o.noise = parse_double("--noise", *x);
            check_noise(o.noise, *x);
        }
        return o;
    }
}  // namespace xoptim_viz
