// Uses an installed xoptim: returns 0 only when the results are right.
#include <xoptim/all.hpp>

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

    // Plain SGD on f(w) = sum((w - t)^2) with lr 0.25 halves the error each step: after 20
    // steps it is exactly 2^-20 of the start, through the engine's fused loop.
    xt::xtensor<double, 1> w = {0.0, 0.0};
    const xt::xtensor<double, 1> target = {1.0, -2.0};
    auto sgd = xoptim::sgd({.lr = 0.25});
    for (int i = 0; i < 20; ++i) { sgd.step(w, 2.0 * (w - target)); }
    const double expected_error = std::ldexp(1.0, -20);
    if (std::abs((target(0) - w(0)) - expected_error * 1.0) > 1e-15
        || std::abs((w(1) - target(1)) - expected_error * 2.0) > 1e-15)
    {
        std::printf("unexpected SGD result: w = (%.17g, %.17g)\n", w(0), w(1));
        ++failures;
    }

    // Adam in float reaches the minimum of the same quadratic.
    xt::xtensor<float, 1> v = {0.0f, 0.0f};
    auto adam = xoptim::adam<float>({.lr = 0.05});
    for (int i = 0; i < 2000; ++i) { adam.step(v, 2.0f * (v - xt::xtensor<float, 1>{1.0f, -2.0f})); }
    if (std::abs(v(0) - 1.0f) > 1e-3f || std::abs(v(1) + 2.0f) > 1e-3f)
    {
        std::printf("unexpected Adam result: v = (%.9g, %.9g)\n", v(0), v(1));
        ++failures;
    }

    // A checkpoint (format 3, sealed with XXH3-64 from libxxhash's header) round-trips with
    // what it was made on, and refuses another problem.
    const auto bytes = xoptim::to_bytes(adam, v, {.tag = "quadratic", .names = {"v"}});
    auto back = xoptim::adam<float>();
    xt::xtensor<float, 1> u = {0.0f, 0.0f};
    xoptim::from_bytes(bytes, back, u, {.tag = "quadratic"});
    bool refused = false;
    try
    {
        xoptim::from_bytes(bytes, back, u, {.tag = "another"});
    }
    catch (const xoptim::checkpoint_error&)
    {
        refused = true;
    }
    if (bytes[8] != 3 || !(u == v) || back.step_count() != 2000 || !refused)
    {
        std::printf("unexpected checkpoint round trip\n");
        ++failures;
    }

    std::printf("xoptim %s consumed: %s\n", xoptim::version_string, failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
