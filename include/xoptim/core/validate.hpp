#pragma once
// Hyperparameter checks: each failure is a std::invalid_argument naming the argument and value.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace xoptim::detail
{
    inline std::string format_value(double v)
    {
        // The shortest of 15, 16 or 17 significant digits that reads back as v ("0.1", not
        // "0.10000000000000001").
        char buf[64];
        for (int digits = 15; digits <= 17; ++digits)
        {
            std::snprintf(buf, sizeof buf, "%.*g", digits, v);
            if (std::strtod(buf, nullptr) == v || v != v) { break; }
        }
        return buf;
    }

    [[noreturn]] inline void invalid(const char* owner, const char* name, double value, const char* expected)
    {
        throw std::invalid_argument(std::string(owner) + ": " + name + " must be " + expected + ", got "
                                    + format_value(value));
    }

    inline void require_finite(const char* owner, const char* name, double v)
    {
        if (!std::isfinite(v)) { invalid(owner, name, v, "finite"); }
    }

    inline void require_non_negative(const char* owner, const char* name, double v)
    {
        if (!(v >= 0.0) || !std::isfinite(v)) { invalid(owner, name, v, "finite and >= 0"); }
    }

    inline void require_positive(const char* owner, const char* name, double v)
    {
        if (!(v > 0.0) || !std::isfinite(v)) { invalid(owner, name, v, "finite and > 0"); }
    }

    // v in [0, 1)
    inline void require_unit_interval(const char* owner, const char* name, double v)
    {
        if (!(v >= 0.0 && v < 1.0)) { invalid(owner, name, v, "in [0, 1)"); }
    }

    // v in [0, 1]
    inline void require_closed_unit_interval(const char* owner, const char* name, double v)
    {
        if (!(v >= 0.0 && v <= 1.0)) { invalid(owner, name, v, "in [0, 1]"); }
    }
}
