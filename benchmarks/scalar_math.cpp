// scalar/<function>/<implementation>: one call of a per-step scalar function (core/scalar_math.hpp),
// the C library's against the portable one XOPTIM_PORTABLE_MATH selects. The arguments are those
// of a bias correction (beta^t, t the step) and of a cosine schedule (cos(pi t / T)); each
// iteration takes the next t, so no call is folded or repeated.
//   scalar/pow/std          std::pow(0.999, t)
//   scalar/pow/portable     xoptim::math::portable_pow(0.999, t)
//   scalar/cos_pi/std       std::cos(pi * t / 10^6)
//   scalar/cos_pi/portable  xoptim::math::portable_cos_pi(t / 10^6)

#include <cmath>
#include <numbers>

#include <xoptim/core/scalar_math.hpp>

#include "common.hpp"

namespace xoptim_bench
{
    namespace
    {
        template <class F>
        void run_scalar(benchmark::State& state, F f)
        {
            double t = 1.0;
            for (auto _ : state)
            {
                benchmark::DoNotOptimize(f(t));
                t += 1.0;
            }
        }
    }  // namespace

    void register_scalar_math()
    {
        benchmark::RegisterBenchmark("scalar/pow/std", [](benchmark::State& st) {
            run_scalar(st, [](double t) { return std::pow(0.999, t); });
        });
        benchmark::RegisterBenchmark("scalar/pow/portable", [](benchmark::State& st) {
            run_scalar(st, [](double t) { return xoptim::math::portable_pow(0.999, t); });
        });
        benchmark::RegisterBenchmark("scalar/cos_pi/std", [](benchmark::State& st) {
            run_scalar(st, [](double t) { return std::cos(std::numbers::pi * t / 1e6); });
        });
        benchmark::RegisterBenchmark("scalar/cos_pi/portable", [](benchmark::State& st) {
            run_scalar(st, [](double t) { return xoptim::math::portable_cos_pi(t / 1e6); });
        });
    }
}  // namespace xoptim_bench
