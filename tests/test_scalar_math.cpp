// xoptim::math::pow, cos_pi and sin_pi (core/scalar_math.hpp): against long double (x87's 64-bit
// significand) on 100,000s of arguments, exact at the values that have exact results, and the C
// standard's special values. That they give the same bits under Emscripten is checked by
// tests/wasm and by the explorer's browser test.

#include <doctest/doctest.h>

#include <xoptim/core/scalar_math.hpp>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace
{
    /// |got - want| in units of the last place of the double nearest want.
    double ulps(double got, long double want)
    {
        const double w = static_cast<double>(want);
        const long double ulp = std::nextafter(std::fabs(w), std::numeric_limits<double>::infinity()) - std::fabs(w);
        return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / ulp);
    }

    constexpr long double pi_l = 3.141592653589793238462643383279502884L;

    /// cos(pi x) in long double through the same exact reductions as cos_pi.
    long double cos_pi_reference(double x)
    {
        long double a = std::fabs(std::fmod(static_cast<long double>(x), 2.0L));
        if (a > 1) { a = 2 - a; }
        long double sign = 1;
        if (a > 0.5L)
        {
            a = 1 - a;
            sign = -1;
        }
        return a > 0.25L ? sign * std::sin(pi_l * (0.5L - a)) : sign * std::cos(pi_l * a);
    }

    long double sin_pi_reference(double x)
    {
        long double a = std::fmod(std::fabs(static_cast<long double>(x)), 2.0L);
        long double sign = x < 0 ? -1 : 1;
        if (a >= 1)
        {
            a -= 1;
            sign = -sign;
        }
        if (a > 0.5L) { a = 1 - a; }
        return a > 0.25L ? sign * std::cos(pi_l * (0.5L - a)) : sign * std::sin(pi_l * a);
    }
}  // namespace

static_assert(LDBL_MANT_DIG >= 64 || LDBL_MANT_DIG == 53, "the reference needs long double");

TEST_CASE("math::pow: correctly rounded against long double where the optimizers use it, within half an ulp")
{
    if (LDBL_MANT_DIG < 64) { return; }  // long double is double here: no reference
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double worst = 0.0, worst_subnormal = 0.0;
    int rounded_differently = 0;
    constexpr int n = 100000;
    for (int i = 0; i < n; ++i)
    {
        double x = 0.0, y = 0.0;
        switch (i % 4)
        {
        case 0:  // bias corrections: beta^t
            x = 0.5 + 0.4999 * u(rng);
            y = std::floor(u(rng) * 1e5) + 1;
            break;
        case 1:  // decays and schedules: t^-0.8, lr^power, (1 + a t)^0.75
            x = u(rng) * 1e4;
            y = (u(rng) - 0.5) * 6;
            break;
        case 2:  // across the whole exponent range
        {
            const double m = 1 + u(rng);
            const int e = static_cast<int>((u(rng) - 0.5) * 1400);
            x = std::ldexp(m, e);
            y = (u(rng) - 0.5) * 1.3;
            break;
        }
        default:  // NAdam's 0.96^(t psi)
            x = 0.96;
            y = std::floor(u(rng) * 1e5) * 0.004;
        }
        const double got = xoptim::math::portable_pow(x, y);
        const long double want = std::pow(static_cast<long double>(x), static_cast<long double>(y));
        // A subnormal result is rounded twice (to 53 bits, then to its fewer): within an ulp.
        if (std::fabs(want) < DBL_MIN) { worst_subnormal = std::max(worst_subnormal, ulps(got, want)); }
        else { worst = std::max(worst, ulps(got, want)); }
        if (got != static_cast<double>(want)) { ++rounded_differently; }
    }
    CHECK(worst <= 0.5001);
    CHECK(worst_subnormal <= 1.0);
    // Where the two differ, the true value is within long double's own error of a tie.
    CHECK(rounded_differently < n / 1000);
}

TEST_CASE("math::pow: exact results are exact, and the special values are the C standard's")
{
    CHECK(xoptim::math::portable_pow(2.0, 10.0) == 1024.0);
    CHECK(xoptim::math::portable_pow(0.5, 331.0) == std::ldexp(1.0, -331));
    CHECK(xoptim::math::portable_pow(0.5, 1074.0) == std::ldexp(1.0, -1074));  // the least subnormal
    CHECK(xoptim::math::portable_pow(9.0, 0.5) == 3.0);
    CHECK(xoptim::math::portable_pow(10.0, 3.0) == 1000.0);
    CHECK(xoptim::math::portable_pow(-2.0, 3.0) == -8.0);
    CHECK(xoptim::math::portable_pow(-2.0, 4.0) == 16.0);
    CHECK(xoptim::math::portable_pow(0.9, 1.0) == 0.9);
    CHECK(xoptim::math::portable_pow(2.0, 1024.0) == HUGE_VAL);
    CHECK(xoptim::math::portable_pow(2.0, -1080.0) == 0.0);
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // |y| beyond 2^900: past both ends of the range, as std::pow (2^27 y would overflow).
    CHECK(xoptim::math::portable_pow(2.0, 1e301) == inf);
    CHECK(xoptim::math::portable_pow(0.5, 1e301) == 0.0);
    CHECK(xoptim::math::portable_pow(0.5, -1e301) == inf);
    CHECK(xoptim::math::portable_pow(-2.0, 0x1p1000) == inf);
    CHECK(xoptim::math::portable_pow(1.5, -0x1p901) == 0.0);
    CHECK(std::isnan(xoptim::math::portable_pow(-2.0, 0.5)));
    CHECK(std::isnan(xoptim::math::portable_pow(nan, 2.0)));
    CHECK(xoptim::math::portable_pow(nan, 0.0) == 1.0);
    CHECK(xoptim::math::portable_pow(1.0, nan) == 1.0);
    CHECK(xoptim::math::portable_pow(0.0, -1.0) == inf);
    CHECK(xoptim::math::portable_pow(0.0, 2.0) == 0.0);
    CHECK(xoptim::math::portable_pow(inf, -1.0) == 0.0);
    CHECK(xoptim::math::portable_pow(0.5, inf) == 0.0);
    CHECK(xoptim::math::portable_pow(2.0, -inf) == 0.0);
}

TEST_CASE("math::cos_pi and sin_pi: within 0.8 ulp of long double, exact at multiples of 1/2 and at 1/6")
{
    if (LDBL_MANT_DIG < 64) { return; }
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(-40.0, 40.0);
    double worst_cos = 0.0, worst_sin = 0.0;
    for (int i = 0; i < 100000; ++i)
    {
        const double x = i % 2 ? u(rng) : u(rng) * 1e-6;
        worst_cos = std::max(worst_cos, ulps(xoptim::math::portable_cos_pi(x), cos_pi_reference(x)));
        worst_sin = std::max(worst_sin, ulps(xoptim::math::portable_sin_pi(x), sin_pi_reference(x)));
    }
    CHECK(worst_cos < 0.8);
    CHECK(worst_sin < 0.8);
    for (int k = -8; k <= 8; ++k)
    {
        CAPTURE(k);
        const double half = 0.5 * k;
        const double c = k % 2 != 0 ? 0.0 : (k % 4 == 0 ? 1.0 : -1.0);
        const double s = k % 2 == 0 ? 0.0 : ((k % 4 + 4) % 4 == 1 ? 1.0 : -1.0);
        CHECK(xoptim::math::portable_cos_pi(half) == c);
        CHECK(xoptim::math::portable_sin_pi(half) == s);
    }
    CHECK(xoptim::math::portable_cos_pi(1.0 / 3.0) == doctest::Approx(0.5).epsilon(1e-16));
    CHECK(xoptim::math::portable_sin_pi(1.0 / 6.0) == doctest::Approx(0.5).epsilon(1e-16));
    CHECK(xoptim::math::portable_cos_pi(0x1p60) == 1.0);  // every double that large is an even integer
    CHECK(xoptim::math::portable_cos_pi(0x1p52 + 1.0) == -1.0);
    CHECK(std::isnan(xoptim::math::portable_cos_pi(std::numeric_limits<double>::infinity())));
    CHECK(std::isnan(xoptim::math::portable_sin_pi(std::numeric_limits<double>::quiet_NaN())));
    // Zeros carry the sign of x, as C23's sinpi.
    CHECK(std::signbit(xoptim::math::portable_sin_pi(-0.0)));
    CHECK(!std::signbit(xoptim::math::portable_sin_pi(0.0)));
    CHECK(!std::signbit(xoptim::math::portable_sin_pi(2.0)));
    CHECK(std::signbit(xoptim::math::portable_sin_pi(-2.0)));
    // Odd and even.
    for (const double x : {0.1, 0.3, 0.7, 1.9, 12.34})
    {
        CHECK(xoptim::math::portable_sin_pi(-x) == -xoptim::math::portable_sin_pi(x));
        CHECK(xoptim::math::portable_cos_pi(-x) == xoptim::math::portable_cos_pi(x));
    }
}
