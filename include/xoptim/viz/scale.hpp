// xoptim/viz/scale.hpp -- linear and logarithmic scales, "nice" ticks (steps of
// 1, 2 or 5 times a power of ten) and tick labels.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "svg.hpp"

namespace xoptim::viz
{
    enum class scale_kind
    {
        linear,
        log10
    };

    /// Maps a data interval [d0, d1] onto a picture interval [r0, r1] (r1 < r0 is
    /// allowed, e.g. for a y axis pointing up), linearly or in log10.
    class scale
    {
    public:
        scale() = default;

        scale(scale_kind kind, double d0, double d1, double r0, double r1)
            : m_kind(kind), m_d0(d0), m_d1(d1), m_r0(r0), m_r1(r1)
        {
            auto bad = [](const char* name, double v) {
                return std::invalid_argument(std::string("scale: ") + name + " must be finite"
                                             + " (and > 0 on a log scale), got " + std::to_string(v));
            };
            const bool log = kind == scale_kind::log10;
            if (!std::isfinite(d0) || (log && !(d0 > 0.0))) { throw bad("d0", d0); }
            if (!std::isfinite(d1) || (log && !(d1 > 0.0))) { throw bad("d1", d1); }
            if (d0 == d1)
            {
                throw std::invalid_argument("scale: d0 and d1 must differ, both are " + std::to_string(d0));
            }
            if (!std::isfinite(r0)) { throw bad("r0", r0); }
            if (!std::isfinite(r1)) { throw bad("r1", r1); }
        }

        static scale linear(double d0, double d1, double r0, double r1)
        {
            return scale(scale_kind::linear, d0, d1, r0, r1);
        }

        static scale log(double d0, double d1, double r0, double r1)
        {
            return scale(scale_kind::log10, d0, d1, r0, r1);
        }

        scale_kind kind() const noexcept { return m_kind; }
        double domain_min() const noexcept { return std::min(m_d0, m_d1); }
        double domain_max() const noexcept { return std::max(m_d0, m_d1); }
        double d0() const noexcept { return m_d0; }
        double d1() const noexcept { return m_d1; }
        double r0() const noexcept { return m_r0; }
        double r1() const noexcept { return m_r1; }

        /// True when `v` can be placed on this scale (finite, and > 0 for log).
        bool accepts(double v) const noexcept { return std::isfinite(v) && (m_kind == scale_kind::linear || v > 0.0); }

        /// The picture coordinate of `v`; NaN when the scale does not accept `v`.
        double operator()(double v) const noexcept
        {
            if (!accepts(v)) { return std::numeric_limits<double>::quiet_NaN(); }
            return m_r0 + (m_r1 - m_r0) * fraction(v);
        }

        /// Where `v` lies in the domain: 0 at d0, 1 at d1.
        double fraction(double v) const noexcept
        {
            if (m_kind == scale_kind::log10)
            {
                return (std::log10(v) - std::log10(m_d0)) / (std::log10(m_d1) - std::log10(m_d0));
            }
            return (v - m_d0) / (m_d1 - m_d0);
        }

        /// The data value at picture coordinate `r`.
        double invert(double r) const noexcept
        {
            const double f = (r - m_r0) / (m_r1 - m_r0);
            if (m_kind == scale_kind::log10)
            {
                return std::pow(10.0, std::log10(m_d0) + f * (std::log10(m_d1) - std::log10(m_d0)));
            }
            return m_d0 + f * (m_d1 - m_d0);
        }

    private:
        scale_kind m_kind = scale_kind::linear;
        double m_d0 = 0.0;
        double m_d1 = 1.0;
        double m_r0 = 0.0;
        double m_r1 = 1.0;
    };

    /// The smallest step of the form {1, 2, 5} x 10^k that is >= raw (raw > 0).
    inline double nice_step(double raw)
    {
        if (!(std::isfinite(raw) && raw > 0.0))
        {
            throw std::invalid_argument("nice_step: raw must be finite and > 0, got " + std::to_string(raw));
        }
        const double p = std::pow(10.0, std::floor(std::log10(raw)));
        for (double m : {1.0, 2.0, 5.0, 10.0})
        {
            if (m * p >= raw * (1.0 - 1e-12)) { return m * p; }
        }
        return 10.0 * p;
    }

    namespace detail
    {
        inline void check_interval(const char* fn, double lo, double hi)
        {
            if (!std::isfinite(lo))
            {
                throw std::invalid_argument(std::string(fn) + ": lo must be finite, got " + std::to_string(lo));
            }
            if (!std::isfinite(hi))
            {
                throw std::invalid_argument(std::string(fn) + ": hi must be finite, got " + std::to_string(hi));
            }
            if (hi < lo)
            {
                throw std::invalid_argument(std::string(fn) + ": hi must be >= lo, got hi = " + std::to_string(hi)
                                            + " and lo = " + std::to_string(lo));
            }
        }

        // Widens a zero-width interval so that it can be drawn.
        inline std::pair<double, double> widen(double lo, double hi)
        {
            if (lo == hi)
            {
                const double d = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
                return {lo - d, hi + d};
            }
            return {lo, hi};
        }

        // k * step with the rounding noise of the product removed.
        inline double tick_value(long long k, double step)
        {
            const double v = static_cast<double>(k) * step;
            const double digits = std::max(0.0, -std::floor(std::log10(step))) + 1.0;
            const double q = std::pow(10.0, digits);
            const double r = std::round(v * q) / q;
            return std::isfinite(r) ? r : v;
        }
    }

    /// Ticks at multiples of a 1-2-5 step inside [lo, hi], about `target` of them.
    inline std::vector<double> nice_ticks(double lo, double hi, std::size_t target = 5)
    {
        detail::check_interval("nice_ticks", lo, hi);
        if (target == 0) { throw std::invalid_argument("nice_ticks: target must be > 0, got 0"); }
        std::tie(lo, hi) = detail::widen(lo, hi);
        const double step = nice_step((hi - lo) / static_cast<double>(target));
        const double eps = step * 1e-9;
        const auto k0 = static_cast<long long>(std::ceil((lo - eps) / step));
        const auto k1 = static_cast<long long>(std::floor((hi + eps) / step));
        std::vector<double> ticks;
        for (long long k = k0; k <= k1; ++k) { ticks.push_back(detail::tick_value(k, step)); }
        return ticks;
    }

    /// [lo, hi] widened outwards to multiples of the nice step for `target` ticks.
    inline std::pair<double, double> nice_range(double lo, double hi, std::size_t target = 5)
    {
        detail::check_interval("nice_range", lo, hi);
        if (target == 0) { throw std::invalid_argument("nice_range: target must be > 0, got 0"); }
        std::tie(lo, hi) = detail::widen(lo, hi);
        const double step = nice_step((hi - lo) / static_cast<double>(target));
        const double eps = step * 1e-9;
        return {detail::tick_value(static_cast<long long>(std::floor((lo + eps) / step)), step),
                detail::tick_value(static_cast<long long>(std::ceil((hi - eps) / step)), step)};
    }

    /// [lo, hi] (both > 0) widened outwards to whole powers of ten.
    inline std::pair<double, double> nice_log_range(double lo, double hi)
    {
        detail::check_interval("nice_log_range", lo, hi);
        if (!(lo > 0.0)) { throw std::invalid_argument("nice_log_range: lo must be > 0, got " + std::to_string(lo)); }
        double a = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
        double b = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
        if (a == b)
        {
            a /= 10.0;
            b *= 10.0;
        }
        return {a, b};
    }

    /// Ticks for a log axis over [lo, hi] (both > 0): the powers of ten inside,
    /// thinned to every second, third, ... one when there are more than
    /// max_ticks, or 1, 2 and 5 times each power when fewer than three are inside.
    inline std::vector<double> log_ticks(double lo, double hi, std::size_t max_ticks = 8)
    {
        detail::check_interval("log_ticks", lo, hi);
        if (!(lo > 0.0)) { throw std::invalid_argument("log_ticks: lo must be > 0, got " + std::to_string(lo)); }
        if (max_ticks < 2)
        {
            throw std::invalid_argument("log_ticks: max_ticks must be >= 2, got " + std::to_string(max_ticks));
        }
        const int e0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
        const int e1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
        auto in = [&](double v) { return v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9); };
        std::vector<double> ticks;
        for (int e = e0; e <= e1; ++e)
        {
            if (in(std::pow(10.0, e))) { ticks.push_back(std::pow(10.0, e)); }
        }
        if (ticks.size() < 3)
        {
            // Too few powers of ten inside: use 1, 2 and 5 times each power.
            ticks.clear();
            for (int e = e0; e <= e1; ++e)
            {
                for (double m : {1.0, 2.0, 5.0})
                {
                    const double v = m * std::pow(10.0, e);
                    if (in(v)) { ticks.push_back(v); }
                }
            }
            return ticks;
        }
        const std::size_t every = (ticks.size() + max_ticks - 1) / max_ticks;
        std::vector<double> kept;
        for (std::size_t k = 0; k < ticks.size(); k += every) { kept.push_back(ticks[k]); }
        return kept;
    }

    namespace detail
    {
        // Scientific notation with the exponent tidied: 2.5e+06 -> 2.5e6, 1e-05 -> 1e-5.
        inline std::string compact_scientific(double v, int significant)
        {
            char buf[64];
            auto res = xoptim::detail::double_to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific,
                                                       significant - 1);
            std::string s(buf, res.ptr);
            const auto e = s.find('e');
            std::string mant = s.substr(0, e);
            if (mant.find('.') != std::string::npos)
            {
                while (mant.back() == '0') { mant.pop_back(); }
                if (mant.back() == '.') { mant.pop_back(); }
            }
            std::string ex = s.substr(e + 1);
            const bool neg = !ex.empty() && ex[0] == '-';
            if (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) { ex.erase(0, 1); }
            while (ex.size() > 1 && ex[0] == '0') { ex.erase(0, 1); }
            return mant + "e" + (neg ? "-" : "") + ex;
        }
    }

    /// A tick label for `v` on a linear axis whose ticks are `step` apart: as
    /// many decimals as the step needs, or scientific notation for very large or
    /// very small magnitudes.
    inline std::string tick_label(double v, double step)
    {
        if (!std::isfinite(v))
        {
            throw std::invalid_argument("tick_label: v must be finite, got " + std::to_string(v));
        }
        if (!(std::isfinite(step) && step > 0.0))
        {
            throw std::invalid_argument("tick_label: step must be finite and > 0, got " + std::to_string(step));
        }
        if (std::abs(v) < step * 1e-6) { return "0"; }
        const double mag = std::max(std::abs(v), step);
        if (mag >= 1e6 || step < 1e-4)
        {
            const int sig = std::clamp(
                static_cast<int>(std::floor(std::log10(std::abs(v))) - std::floor(std::log10(step))) + 1, 1, 15);
            return detail::compact_scientific(v, sig);
        }
        // As many decimals as the step itself needs (0.25 needs two).
        int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 10);
        while (decimals < 10)
        {
            const double scaled = step * std::pow(10.0, decimals);
            if (std::abs(scaled - std::round(scaled)) <= 1e-6 * scaled) { break; }
            ++decimals;
        }
        return format_number(v, decimals);
    }

    /// A tick label for a log axis: plain decimals from 0.001 to 99999, "1e-6" style outside.
    inline std::string log_tick_label(double v)
    {
        if (!(std::isfinite(v) && v > 0.0))
        {
            throw std::invalid_argument("log_tick_label: v must be finite and > 0, got " + std::to_string(v));
        }
        if (v >= 1e-3 && v < 1e5)
        {
            const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(v) + 1e-9)), 0, 3);
            return format_number(v, decimals);
        }
        return detail::compact_scientific(v, 2);
    }
}
