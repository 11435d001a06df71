#pragma once
// The reductions L-BFGS takes over its flat vectors (torch's dot, abs().max(), abs().sum()).
// Elementwise updates are xtensor expressions assigned with xt::noalias where they are used;
// these loops are the reductions, each one pass over contiguous memory.

#include <cmath>
#include <cstddef>
#include <limits>

#include <xtensor/xtensor.hpp>

namespace xoptim::detail::lbfgs_ops
{
    template <class V>
    using flat = xt::xtensor<V, 1>;

    // sum_i a_i b_i in V, four partial sums ((s0 + s1) + (s2 + s3)) so that a long vector does
    // not wait on one chain of additions; for up to four elements this is the sequential sum.
    template <class V>
    V dot(const flat<V>& a, const flat<V>& b) noexcept
    {
        const V* x = a.data();
        const V* y = b.data();
        const std::size_t n = a.size();
        V s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        std::size_t i = 0;
        for (; i + 4 <= n; i += 4)
        {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        if (i < n) { s0 += x[i] * y[i]; }
        if (i + 1 < n) { s1 += x[i + 1] * y[i + 1]; }
        if (i + 2 < n) { s2 += x[i + 2] * y[i + 2]; }
        return (s0 + s1) + (s2 + s3);
    }

    // max_i |a_i|; NaN if any element is NaN (torch's max propagates it); 0 for no elements.
    template <class V>
    V max_abs(const flat<V>& a) noexcept
    {
        V m = 0;
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            const V v = std::abs(a.data()[i]);
            if (v != v) { return v; }
            m = v > m ? v : m;
        }
        return m;
    }

    // max_i |a_i t|, the largest change of a step t a (torch's d.mul(t).abs().max()).
    template <class V>
    V max_abs_scaled(const flat<V>& a, V t) noexcept
    {
        V m = 0;
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            const V v = std::abs(a.data()[i] * t);
            if (v != v) { return v; }
            m = v > m ? v : m;
        }
        return m;
    }

    template <class V>
    V sum_abs(const flat<V>& a) noexcept
    {
        V s = 0;
        for (std::size_t i = 0; i < a.size(); ++i) { s += std::abs(a.data()[i]); }
        return s;
    }

    template <class V>
    bool all_finite(const flat<V>& a) noexcept
    {
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            if (!std::isfinite(a.data()[i])) { return false; }
        }
        return true;
    }

    // Python's max(a, b) and min(a, b): the first argument unless the second compares
    // greater (smaller), so a NaN first argument is kept.
    inline double py_max(double a, double b) noexcept { return b > a ? b : a; }
    inline double py_min(double a, double b) noexcept { return b < a ? b : a; }
}
