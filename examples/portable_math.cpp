// The same bits on every platform: with XOPTIM_PORTABLE_MATH the bias corrections, decays and
// schedules use xoptim's own pow and cos(pi x) instead of the C library's, whose last bits differ
// between glibc and musl (Emscripten). Adam and NAdam under a cosine schedule on Rastrigin (whose
// cos and sin go the same way) then print the same digits natively and in WebAssembly: the
// tests build this example with em++ and compare its output with the native one byte for byte.

// For the whole program: every translation unit that includes xoptim must see the same value
// (and, on targets with fused multiply-adds, compile with -ffp-contract=off).
#define XOPTIM_PORTABLE_MATH 1

#include <cstdio>

#include <xoptim/core/scalar_math.hpp>
#include <xoptim/fit.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/test_functions.hpp>
#include <xoptim/schedules.hpp>

namespace
{
    template <class O>
    void run(const char* name, O opt)
    {
        const xoptim::rastrigin f;
        xt::xtensor<double, 1> theta = {2.3, -1.7};
        const auto result = xoptim::fit(f, opt, theta, {.epochs = 400});
        std::printf("%s on rastrigin, 400 steps under cosine_decay:\n", name);
        for (std::size_t k = 0; k < result.history.size(); k += 80)
        {
            const auto& r = result.history[k];
            std::printf("  step %3zu  x = %a  y = %a  f = %a\n", k, r.theta(0), r.theta(1), r.loss);
        }
    }
}  // namespace

int main()
{
    // Adam's second bias correction is 1 - 0.99^t: 0.99^331 and 0.99^348 are two powers where
    // glibc's and musl's pow differ in the last bit (volatile: not folded by the compiler).
    volatile double beta2 = 0.99;
    std::printf("0.99^331 = %a\n", xoptim::math::pow(beta2, 331.0));
    std::printf("cos(pi * 0.3) = %a, sin(pi * 0.3) = %a\n", xoptim::math::cos_pi(beta2 - 0.69),
                xoptim::math::sin_pi(beta2 - 0.69));
    run("adam", xoptim::adam({.beta2 = 0.99}, xoptim::cosine_decay{.lr = 0.05, .period = 400}));
    run("nadam", xoptim::nadam({.beta2 = 0.99}, xoptim::cosine_decay{.lr = 0.05, .period = 400}));
}
