#pragma once
// The per-step scalars' elementary functions. The C library's pow, cos and sin differ in the last
// bit between glibc and musl (Emscripten's), and so do the trajectories computed with them. With
// XOPTIM_PORTABLE_MATH defined to 1 (for the whole program), math::pow is portable_pow and the
// cosine schedules and Rastrigin use portable_cos_pi and portable_sin_pi: the same bits on every
// platform, for about 0.6 microseconds per pow instead of 0.02. By default math::pow is std::pow.
// Compile with -ffp-contract=off as well: GCC fuses a*b + c by default where the target has fused
// multiply-adds (aarch64, x86 with -mfma), which keeps these accurate but not bit-identical to a
// build without them (WebAssembly has none).
//
// The portable ones use only IEEE-754 +, -, *, / and std::fmod/std::frexp/std::ldexp (exact
// everywhere): pow in double-double arithmetic (about 100 bits, so correctly rounded but for
// results within about 2^-94 of a tie, and within an ulp where the result is subnormal); cos_pi
// and sin_pi with exact argument reduction and a Taylor kernel (within 0.8 ulp).

#include <cmath>
#include <cstdint>
#include <numbers>
#include <type_traits>

#ifndef XOPTIM_PORTABLE_MATH
#define XOPTIM_PORTABLE_MATH 0
#endif

namespace xoptim::math
{
    namespace detail
    {
        /// An unevaluated sum hi + lo with |lo| <= ulp(hi) / 2: about 106 bits.
        struct double_double
        {
            double hi;
            double lo;
        };

        /// a + b exactly (Knuth's two-sum).
        constexpr double_double two_sum(double a, double b) noexcept
        {
            const double s = a + b;
            const double bb = s - a;
            return {s, (a - (s - bb)) + (b - bb)};
        }

        constexpr double_double quick_two_sum(double a, double b) noexcept
        {
            const double s = a + b;
            return {s, b - (s - a)};
        }

        /// a = hi + lo with 26-bit halves (Veltkamp), for |a| < 2^995.
        constexpr double_double split(double a) noexcept
        {
            const double c = 134217729.0 * a;  // 2^27 + 1
            const double hi = c - (c - a);
            return {hi, a - hi};
        }

        /// a * b exactly: Dekker's product, or one fused multiply-add where the hardware has it
        /// (then a compiler that contracts a*b+c would break Dekker's; both give the same bits).
        constexpr double_double two_product(double a, double b) noexcept
        {
            const double p = a * b;
#ifdef __FP_FAST_FMA
            if (!std::is_constant_evaluated()) { return {p, std::fma(a, b, -p)}; }
#endif
            const auto [ah, al] = split(a);
            const auto [bh, bl] = split(b);
            return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
        }

        constexpr double_double add(double_double a, double_double b) noexcept
        {
            const auto s = two_sum(a.hi, b.hi);
            const auto t = two_sum(a.lo, b.lo);
            auto r = quick_two_sum(s.hi, s.lo + t.hi);
            return quick_two_sum(r.hi, r.lo + t.lo);
        }

        constexpr double_double mul(double_double a, double_double b) noexcept
        {
            const auto p = two_product(a.hi, b.hi);
            return quick_two_sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
        }

        constexpr double_double mul(double_double a, double b) noexcept
        {
            const auto p = two_product(a.hi, b);
            return quick_two_sum(p.hi, p.lo + a.lo * b);
        }

        constexpr double_double div(double_double a, double_double b) noexcept
        {
            const double q1 = a.hi / b.hi;
            auto r = add(a, mul(b, -q1));
            const double q2 = r.hi / b.hi;
            r = add(r, mul(b, -q2));
            const double q3 = r.hi / b.hi;
            return add(quick_two_sum(q1, q2), double_double{q3, 0.0});
        }

        /// 1 / (2n + 1) and 1 / n! in double-double, made by the compiler.
        template <int N>
        struct series_constants
        {
            double_double odd_reciprocal[N + 1]{};
            double_double inverse_factorial[N + 1]{};
            constexpr series_constants()
            {
                double_double f = {1.0, 0.0};
                for (int n = 0; n <= N; ++n)
                {
                    odd_reciprocal[n] = div(double_double{1.0, 0.0}, double_double{2.0 * n + 1.0, 0.0});
                    if (n > 0) { f = div(f, double_double{static_cast<double>(n), 0.0}); }
                    inverse_factorial[n] = f;
                }
            }
        };
        inline constexpr series_constants<22> series{};

        inline constexpr double_double ln2 = {0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56};
        inline constexpr double_double pi = {0x1.921fb54442d18p+1, 0x1.1a62633145c07p-53};

        /// log(x) for finite x > 0: x = 2^k m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s)
        /// with s = (m - 1) / (m + 1), |s| <= 0.1716, summed to s^45.
        inline double_double log(double x) noexcept
        {
            int k = 0;
            double m = std::frexp(x, &k);  // [0.5, 1)
            if (m < 0x1.6a09e667f3bcdp-1)
            {
                m *= 2.0;
                --k;
            }
            const auto s = div(double_double{m - 1.0, 0.0}, two_sum(m, 1.0));  // m - 1 is exact
            const auto s2 = mul(s, s);
            constexpr int terms = 22;
            double_double p = series.odd_reciprocal[terms];
            for (int n = terms - 1; n >= 0; --n) { p = add(mul(p, s2), series.odd_reciprocal[n]); }
            const auto log_m = mul(mul(s, p), 2.0);
            return add(mul(ln2, static_cast<double>(k)), log_m);
        }

        /// exp(z) rounded to double: z = k ln2 + r, |r| <= ln2 / 2; expm1(r / 2^10) by its series,
        /// squared back ten times as e^(2a) - 1 = (e^a - 1)(e^a - 1 + 2).
        inline double exp(double_double z) noexcept
        {
            if (z.hi > 709.8) { return HUGE_VAL; }
            if (z.hi < -745.2) { return 0.0; }
            const double k = std::round(z.hi / ln2.hi);
            const auto r = add(z, mul(ln2, -k));
            const double_double a = {std::ldexp(r.hi, -10), std::ldexp(r.lo, -10)};
            constexpr int terms = 10;
            // expm1(a) = a + a^2/2! + ... + a^10/10!, in Horner form.
            double_double e = series.inverse_factorial[terms];
            for (int n = terms - 1; n >= 1; --n) { e = add(mul(e, a), series.inverse_factorial[n]); }
            e = mul(e, a);
            for (int i = 0; i < 10; ++i) { e = mul(e, add(e, double_double{2.0, 0.0})); }
            const auto one_plus = add(double_double{1.0, 0.0}, e);
            const int kk = static_cast<int>(k);
            // Below the normal range: scaled in two steps, the sum rounded to 53 bits and then to the
            // subnormal's fewer (twice: within an ulp there).
            if (kk < -1020)
            {
                return std::ldexp(std::ldexp(one_plus.hi, kk + 60) + std::ldexp(one_plus.lo, kk + 60), -60);
            }
            return std::ldexp(one_plus.hi + one_plus.lo, kk);
        }

        /// Taylor kernels for |t| <= pi / 4 (t = hi + lo): sin and cos within an ulp.
        /// sin x = x + x^3 q(x^2), q = -1/3! + x^2/5! - ... - x^16/19!, in Horner form.
        inline double sin_kernel(double_double t) noexcept
        {
            const double x = t.hi;
            const double x2 = x * x;
            constexpr double q[] = {-1.0 / 121645100408832000.0,
                                    1.0 / 355687428096000.0,
                                    -1.0 / 1307674368000.0,
                                    1.0 / 6227020800.0,
                                    -1.0 / 39916800.0,
                                    1.0 / 362880.0,
                                    -1.0 / 5040.0,
                                    1.0 / 120.0,
                                    -1.0 / 6.0};
            double sum = 0.0;
            for (const double c : q) { sum = sum * x2 + c; }
            // sin(hi + lo) = sin(hi) + cos(hi) lo, and cos(hi) = 1 - hi^2/2 is close enough for lo.
            return x + (x * x2 * sum + (1.0 - 0.5 * x2) * t.lo);
        }

        /// cos x = 1 - x^2/2 + x^4 r(x^2), r = 1/4! - x^2/6! + ... - x^14/18!.
        inline double cos_kernel(double_double t) noexcept
        {
            const double x = t.hi;
            const double x2 = x * x;
            constexpr double r[] = {
                -1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0,
                -1.0 / 3628800.0,          1.0 / 40320.0,          -1.0 / 720.0,         1.0 / 24.0};
            double sum = 0.0;
            for (const double c : r) { sum = sum * x2 + c; }
            const double h = 0.5 * x2;
            const double w = 1.0 - h;
            // w, what rounding 1 - h lost, the series' tail, and cos(hi + lo) - cos(hi) = -sin(hi) lo.
            return w + (((1.0 - w) - h) + (x2 * x2 * sum - x * t.lo));
        }
    }  // namespace detail

    /// x^y as std::pow defines it, the same bits on every platform. Special values (zeros,
    /// infinities, NaN, x = 1, y = 0) are the C standard's, from std::pow, which every C library
    /// gives exactly; finite x != 0 is computed here (negative x only for an integer y).
    inline double portable_pow(double x, double y) noexcept
    {
        if (!std::isfinite(x) || !std::isfinite(y) || x == 0.0 || y == 0.0 || x == 1.0) { return std::pow(x, y); }
        double sign = 1.0;
        if (x < 0.0)
        {
            if (std::trunc(y) != y) { return std::pow(x, y); }  // NaN
            // Odd integer y keeps the sign (beyond 2^53 every double is even).
            if (std::fabs(y) < 0x1p53 && std::fmod(y, 2.0) != 0.0) { sign = -1.0; }
            x = -x;
        }
        // |y| > 2^900: y is an even integer and |y log x| > 2^890, far past both ends of the range
        // (and 2^27 y, in the product below, would overflow).
        if (std::fabs(y) > 0x1p900) { return (x < 1.0) == (y > 0.0) ? 0.0 : HUGE_VAL; }
        const auto z = detail::mul(detail::log(x), y);
        return sign * detail::exp(z);
    }

    /// cos(pi x), the same bits on every platform; exact at multiples of 1/2.
    inline double portable_cos_pi(double x) noexcept
    {
        if (!std::isfinite(x)) { return x - x; }  // NaN
        double a = std::fabs(std::fmod(x, 2.0));  // exact, [0, 2)
        if (a > 1.0) { a = 2.0 - a; }             // exact (Sterbenz): [0, 1]
        double sign = 1.0;
        if (a > 0.5)
        {
            a = 1.0 - a;
            sign = -1.0;
        }
        if (a == 0.5) { return 0.0; }
        if (a > 0.25) { return sign * detail::sin_kernel(detail::mul(detail::pi, 0.5 - a)); }
        return sign * detail::cos_kernel(detail::mul(detail::pi, a));
    }

    /// sin(pi x), the same bits on every platform; exact at multiples of 1/2.
    inline double portable_sin_pi(double x) noexcept
    {
        if (!std::isfinite(x)) { return x - x; }  // NaN
        double sign = x < 0.0 ? -1.0 : 1.0;
        double a = std::fmod(std::fabs(x), 2.0);  // exact, [0, 2)
        if (a >= 1.0)
        {
            a -= 1.0;  // exact
            sign = -sign;
        }
        if (a > 0.5) { a = 1.0 - a; }                    // exact
        if (a == 0.0) { return std::copysign(0.0, x); }  // as C23's sinpi: the sign of x
        if (a > 0.25) { return sign * detail::cos_kernel(detail::mul(detail::pi, 0.5 - a)); }
        return sign * detail::sin_kernel(detail::mul(detail::pi, a));
    }
    /// x^y: portable_pow with XOPTIM_PORTABLE_MATH, else std::pow.
    inline double pow(double x, double y) noexcept
    {
#if XOPTIM_PORTABLE_MATH
        return portable_pow(x, y);
#else
        return std::pow(x, y);
#endif
    }

    /// cos(pi x): portable_cos_pi with XOPTIM_PORTABLE_MATH, else std::cos(pi * x).
    inline double cos_pi(double x) noexcept
    {
#if XOPTIM_PORTABLE_MATH
        return portable_cos_pi(x);
#else
        return std::cos(std::numbers::pi * x);
#endif
    }

    /// sin(pi x): portable_sin_pi with XOPTIM_PORTABLE_MATH, else std::sin(pi * x).
    inline double sin_pi(double x) noexcept
    {
#if XOPTIM_PORTABLE_MATH
        return portable_sin_pi(x);
#else
        return std::sin(std::numbers::pi * x);
#endif
    }

    /// cos(pi a / b): portable_cos_pi(a / b) with XOPTIM_PORTABLE_MATH, else std::cos(pi * a / b)
    /// (PyTorch's order of operations in its cosine schedules).
    inline double cos_pi_ratio(double a, double b) noexcept
    {
#if XOPTIM_PORTABLE_MATH
        return portable_cos_pi(a / b);
#else
        return std::cos(std::numbers::pi * a / b);
#endif
    }
}  // namespace xoptim::math
