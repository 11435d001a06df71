#pragma once
// --points N and --noise X: the seed's data set's size and noise, read and checked once for
// xoptim-viz fit and for the explorer's map (explore/module.cpp).

#include <cmath>
#include <string>

#include <xoptim/problems/seed_data.hpp>

#include "cli.hpp"

namespace xoptim_viz
{
    /// The seed's data set options from --points (1 to 1,000,000) and --noise (finite, >= 0);
    /// usage_error naming the flag and its value otherwise.
    inline xoptim::seed_data_options seed_data_flags(const parsed_flags& given)
    {
        xoptim::seed_data_options o;
        if (const auto n = given.get("--points"))
        {
            o.size = parse_unsigned("--points", *n);
            if (o.size == 0 || o.size > 1000000) { throw usage_error("--points: between 1 and 1000000, got " + *n); }
        }
        if (const auto x = given.get("--noise"))
        {
            o.noise = parse_double("--noise", *x);
            if (!(o.noise >= 0.0) || !std::isfinite(o.noise))
            {
                throw usage_error("--noise: a finite number >= 0, got " + *x);
            }
        }
        return o;
    }
}  // namespace xoptim_viz
