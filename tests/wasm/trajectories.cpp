// Trajectories that must be the same bit for bit wherever the library runs: compiled natively
// and with Emscripten (tests/wasm/check.sh runs both and compares what they print).
//   trajectories seed   every named optimizer, float and double, on the seed's line (MSE, RMSE
//                       and MAE; lr 0.1 and 1; 100 steps from (-20, -10)): every iterate and loss.
//                       Two parameters never fill a batch, so a SIMD build runs its scalar path
//                       and must agree with a build that has no SIMD.
//   trajectories large  every named optimizer, float and double, 30 steps on a 4099-element
//                       quadratic: the parameters after each step. A SIMD build sums reductions
//                       lane by lane, so this part is compared with a native build without SIMD
//                       (-DXSIMD_NO_SUPPORTED_ARCHITECTURE), whose path is the one WebAssembly runs.
// Numbers print as C99 hexadecimal floats (%a), which are exact.

#include <xoptim/any_optimizer.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>

#include <xtensor/xtensor.hpp>

#include <cstdio>
#include <cstring>
#include <string>

namespace
{
    template <class V, class Loss>
    void seed_runs(const char* loss_name)
    {
        const xoptim::linear_regression<Loss> problem(xoptim::seed_data(0));
        for (const auto name : xoptim::optimizer_names<V>())
        {
            for (const double lr : {0.1, 1.0})
            {
                auto opt = xoptim::make_optimizer<V>(name, {{"lr", lr}});
                xt::xtensor<V, 1> theta = {V(-20), V(-10)};
                xt::xtensor<double, 1> at = xt::zeros<double>({2});
                xt::xtensor<double, 1> g64 = xt::zeros<double>({2});
                xt::xtensor<V, 1> g = xt::zeros<V>({2});
                std::printf("seed %s %s %s lr %g\n", sizeof(V) == 4 ? "float" : "double", std::string(name).c_str(),
                            loss_name, lr);
                for (int step = 0; step <= 100; ++step)
                {
                    for (std::size_t i = 0; i < 2; ++i) { at(i) = static_cast<double>(theta(i)); }
                    std::printf("%d %a %a %a\n", step, at(0), at(1), problem.value(at));
                    if (step == 100) { break; }
                    problem.gradient(at, g64);
                    for (std::size_t i = 0; i < 2; ++i) { g(i) = static_cast<V>(g64(i)); }
                    opt.step(theta, g);
                }
            }
        }
    }

    template <class V>
    void large_runs()
    {
        constexpr std::size_t n = 4099;  // a peeled head, full batches and a tail on every SIMD width
        for (const auto name : xoptim::optimizer_names<V>())
        {
            auto opt = xoptim::make_optimizer<V>(name, {{"lr", 0.01}});
            xt::xtensor<V, 1> w = xt::zeros<V>({n});
            xt::xtensor<V, 1> g = xt::zeros<V>({n});
            // Inputs from integer arithmetic alone: the C libraries' sin and cos differ in the last bit.
            for (std::size_t i = 0; i < n; ++i)
            {
                w(i) = static_cast<V>(static_cast<double>((i * 37) % 101) / 16.0 - 3.0);
            }
            std::printf("large %s %s\n", sizeof(V) == 4 ? "float" : "double", std::string(name).c_str());
            for (int step = 1; step <= 30; ++step)
            {
                // The gradient of sum_i (i mod 7 + 1) / 2 (w_i - t_i)^2, t_i = (53 i mod 89) / 32 - 1.
                for (std::size_t i = 0; i < n; ++i)
                {
                    const double t = static_cast<double>((i * 53) % 89) / 32.0 - 1.0;
                    g(i) = static_cast<V>(static_cast<double>(i % 7 + 1) * (static_cast<double>(w(i)) - t));
                }
                opt.step(w, g);
                // Every element, folded exactly into two numbers per step: their sum in double
                // (V converts exactly) and a bitwise hash.
                double sum = 0.0;
                unsigned long long hash = 1469598103934665603ull;
                for (std::size_t i = 0; i < n; ++i)
                {
                    const double x = static_cast<double>(w(i));
                    sum += x;
                    unsigned long long bits = 0;
                    std::memcpy(&bits, &x, sizeof bits);
                    hash = (hash ^ bits) * 1099511628211ull;
                }
                std::printf("%d %a %016llx\n", step, sum, hash);
            }
        }
    }
}

int main(int argc, char** argv)
{
    const std::string part = argc > 1 ? argv[1] : "";
    if (part == "seed")
    {
        seed_runs<double, xoptim::mse>("mse");
        seed_runs<double, xoptim::rmse>("rmse");
        seed_runs<double, xoptim::mae>("mae");
        seed_runs<float, xoptim::mse>("mse");
        seed_runs<float, xoptim::rmse>("rmse");
        seed_runs<float, xoptim::mae>("mae");
        return 0;
    }
    if (part == "large")
    {
        large_runs<double>();
        large_runs<float>();
        return 0;
    }
    std::fprintf(stderr, "usage: trajectories seed|large\n");
    return 2;
}
