// Time of one step over the same number of parameters cut into 1 to 1000 tensors, for
// AMSGrad (9 streams) and SGD (3 streams): best of 7 rounds of 20 steps, in microseconds.
// Build: g++ -std=c++20 -O3 -march=native -DNDEBUG -Iinclude benchmarks/experiments/many_tensors.cpp

#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

template <class Make>
double microseconds_per_step(std::size_t count, std::size_t size, Make make)
{
    std::vector<xt::xtensor<float, 1>> p, g;
    for (std::size_t k = 0; k < count; ++k)
    {
        p.push_back(xt::ones<float>({size}));
        g.push_back(xt::ones<float>({size}) * 1e-3f);
    }
    auto opt = make();
    opt.step(0, p, g);  // makes the state
    double best = 1e30;
    for (int round = 0; round < 7; ++round)
    {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i) { opt.step(0, p, g); }
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double>(t1 - t0).count() / 20);
    }
    return best * 1e6;
}

int main()
{
    const auto amsgrad = [] { return xoptim::amsgrad<float>({.lr = 1e-3}); };
    const auto sgd = [] { return xoptim::sgd<float>({.lr = 1e-3}); };
    const std::vector<std::pair<std::size_t, std::size_t>> shapes = {{1, 1024000}, {10, 102400}, {100, 10240},
                                                                     {1000, 1024}, {1000, 1040}, {1000, 1008}};
    for (const auto& [count, size] : shapes)
    {
        std::printf("%5zu x %7zu: amsgrad %8.1f us  sgd %8.1f us\n", count, size,
                    microseconds_per_step(count, size, amsgrad), microseconds_per_step(count, size, sgd));
    }
}
