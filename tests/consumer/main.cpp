// Uses an installed xoptim: returns 0 only when the results are right.
#if __has_include(<xoptim/xoptim.hpp>)
#include <xoptim/xoptim.hpp>
#endif
#include <xoptim/version.hpp>

#include <xtensor/xtensor.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>

int main()
{
    int failures = 0;

    // The headers and the CMake package agree on the version.
    if (std::strcmp(xoptim::version_string, XOPTIM_PACKAGE_VERSION) != 0)
    {
        std::printf("version mismatch: header %s, package %s\n", xoptim::version_string, XOPTIM_PACKAGE_VERSION);
        ++failures;
    }

    // xtensor reaches the consumer through xoptim::xoptim. Twenty plain gradient steps
    // on f(w) = sum((w - t)^2) with lr 0.25 halve the error each step.
    xt::xtensor<double, 1> w = {0.0, 0.0};
    const xt::xtensor<double, 1> target = {1.0, -2.0};
    for (int i = 0; i < 20; ++i)
    {
        w -= 0.25 * (2.0 * (w - target));
    }
    const double expected_error = std::ldexp(1.0, -20);
    if (std::abs((target(0) - w(0)) - expected_error * 1.0) > 1e-15
        || std::abs((w(1) - target(1)) - expected_error * 2.0) > 1e-15)
    {
        std::printf("unexpected result: w = (%.17g, %.17g)\n", w(0), w(1));
        ++failures;
    }

    std::printf("xoptim %s consumed: %s\n", xoptim::version_string, failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
