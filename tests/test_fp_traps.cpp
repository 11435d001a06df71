// Floating-point traps: with invalid-operation and divide-by-zero exceptions enabled, the cases
// where a careless formula would compute 0/0, x/0 or sqrt(-0-ish) must run clean. A violation
// raises SIGFPE and stops the test binary, so these tests fail loudly. The traps are restored
// to their previous state afterwards.
#include <doctest/doctest.h>

#include <xoptim/losses/rmse.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/rules/clip_by_norm.hpp>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <cfenv>
#include <cmath>
#include <random>
#include <vector>

#include "reliability_helpers.hpp"

namespace
{
    constexpr int traps = FE_INVALID | FE_DIVBYZERO;

    // Enables the traps for its lifetime (where the C library can) and restores the previous
    // trap mask; on exit it also checks the sticky flags, which works without trap support.
    class fp_trap_scope
    {
    public:
        fp_trap_scope()
        {
            std::feclearexcept(FE_ALL_EXCEPT);
#if defined(__GLIBC__)
            m_previous = fegetexcept();
            feenableexcept(traps);
#endif
        }
        ~fp_trap_scope()
        {
#if defined(__GLIBC__)
            fedisableexcept(FE_ALL_EXCEPT);
            feenableexcept(m_previous);
#endif
        }
        bool enabled() const
        {
#if defined(__GLIBC__)
            return (fegetexcept() & traps) == traps;
#else
            return true;
#endif
        }
        bool raised() const { return std::fetestexcept(traps) != 0; }

        fp_trap_scope(const fp_trap_scope&) = delete;
        fp_trap_scope& operator=(const fp_trap_scope&) = delete;

    private:
        int m_previous = 0;
    };

    // Runs `steps` steps of opt on w with gradient g through both engine paths: the tensor
    // itself (SIMD loop) and a strided view of a larger tensor (staged blocks).
    template <class Make, class V>
    void run_both_paths(Make make, const xt::xtensor<V, 1>& w0, const xt::xtensor<V, 1>& g, int steps)
    {
        auto a = make();
        xt::xtensor<V, 1> w = w0;
        for (int s = 0; s < steps; ++s) { a.step(w, g); }
        for (auto x : w) { CHECK(std::isfinite(x)); }

        auto b = make();
        xt::xtensor<V, 1> big = xt::zeros<V>({2 * w0.size()});
        auto view = xt::view(big, xt::range(0, 2 * w0.size(), 2));
        view = w0;
        for (int s = 0; s < steps; ++s) { b.step(view, g); }
        for (auto x : big) { CHECK(std::isfinite(x)); }
    }

    template <class V>
    void trap_cases()
    {
        using namespace xoptim;
        for (std::size_t n : {std::size_t{1}, std::size_t{37}, std::size_t{1500}})
        {
            CAPTURE(n);
            std::mt19937_64 rng(n);
            xt::xtensor<V, 1> zero = xt::zeros<V>({n});
            xt::xtensor<V, 1> rnd = xt::xtensor<V, 1>::from_shape({n});
            xrel::fill_uniform(rnd, rng, -1.0, 1.0);

            fp_trap_scope scope;
            REQUIRE(scope.enabled());
            // LAMB with zero weights: ||w|| = 0, the trust ratio falls back to 1.
            run_both_paths([] { return lamb<V>(lamb_options{0.1, 0.9, 0.999, 1e-6, 0.0}); }, zero, rnd, 3);
            // LAMB with a zero update: zero gradient, no decay, ||u|| = 0.
            run_both_paths([] { return lamb<V>(lamb_options{0.1, 0.9, 0.999, 1e-6, 0.0}); }, rnd, zero, 3);
            // ... and both at once.
            run_both_paths([] { return lamb<V>(lamb_options{0.1, 0.9, 0.999, 1e-6, 0.01, 10.0}); }, zero, zero, 3);
            // Adam (and its variants) on all-zero gradients: m = v = 0, so 0 / (0 + eps).
            run_both_paths([] { return adam<V>(); }, rnd, zero, 3);
            run_both_paths([] { return amsgrad<V>(); }, rnd, zero, 3);
            run_both_paths([] { return adamw<V>(); }, rnd, zero, 3);
            // Adagrad from zero state with zero gradients: 0 / (sqrt(0) + eps).
            run_both_paths([] { return adagrad<V>(adagrad_options{0.1, 0.0, 0.0, 0.0}); }, rnd, zero, 3);
            run_both_paths([] { return adagrad<V>(adagrad_options{0.1, 0.0, 0.0, 0.0}); }, zero, rnd, 3);
            // RMSprop, centred, from zero state: sqrt(v - m^2) with v = m = 0.
            run_both_paths([] { return rmsprop<V>(rmsprop_options{0.01, 0.99, 1e-8, 0.0, 0.9, true}); }, rnd, zero, 3);
            // LARS with zero weights or a zero gradient: the local rate falls back to 1.
            run_both_paths([] { return lars<V>(lars_options{0.1, 0.9, 0.01, 0.001}); }, zero, rnd, 3);
            run_both_paths([] { return lars<V>(lars_options{0.1, 0.9, 0.01, 0.001}); }, rnd, zero, 3);
            run_both_paths([] { return lars<V>(lars_options{0.1, 0.9, 0.0, 0.001}); }, zero, zero, 3);
            // Lion on zero: sign(0) = 0.
            run_both_paths([] { return lion<V>(); }, rnd, zero, 3);
            // Clipping a zero gradient by its norm.
            run_both_paths(
                [] {
                    using rule = chain<clip_by_norm, scale_by_lr<>>;
                    return optimizer<rule, V>(rule(clip_by_norm{1.0}, scale_by_lr<>{0.1}));
                },
                rnd, zero, 2);
            CHECK_FALSE(scope.raised());
        }
    }
}

TEST_CASE("fp traps: rules on zero weights, zero updates and zero state raise no invalid or divide-by-zero (double)")
{
    trap_cases<double>();
}

TEST_CASE("fp traps: the same in float") { trap_cases<float>(); }

TEST_CASE("fp traps: RMSE at zero residual")
{
    const xt::xtensor<double, 1> y{1.0, -2.0, 3.5};
    const xt::xtensor<double, 1> pred = y;
    xt::xtensor<double, 1> g = xt::zeros<double>({3});
    double value = -1.0;
    {
        fp_trap_scope scope;
        REQUIRE(scope.enabled());
        value = xoptim::rmse{}.value(pred, y);
        xoptim::rmse{}.gradient(pred, y, g);
        CHECK_FALSE(scope.raised());
    }
    CHECK(value == 0.0);
    for (double x : g) { CHECK(x == 0.0); }
}

TEST_CASE("fp traps: the scope restores the previous trap mask and detects a raised flag")
{
#if defined(__GLIBC__)
    const int before = fegetexcept();
    {
        fp_trap_scope scope;
        CHECK(scope.enabled());
    }
    CHECK(fegetexcept() == before);
#endif
    // Without traps the sticky flag shows a division by zero: the check above is not vacuous.
    std::feclearexcept(FE_ALL_EXCEPT);
    volatile double zero = 0.0;
    volatile double r = 1.0 / zero;
    CHECK(std::isinf(r));
    CHECK(std::fetestexcept(FE_DIVBYZERO) != 0);
    std::feclearexcept(FE_ALL_EXCEPT);
}
