// Where the many/ gap comes from: one step over 1024000 parameters as one tensor and as 1000
// tensors of 1024, with the parameters and gradients (a) allocated one tensor at a time, a
// parameter then its gradient, 64-byte aligned, as benchmarks/many.cpp does, and (b) cut out
// of two contiguous buffers (xt::adapt). Median of 200 steps, microseconds; three rounds.
// Build: g++ -std=c++20 -O3 -march=native -DNDEBUG -Iinclude benchmarks/experiments/tensor_layout.cpp

#include <xoptim/xoptim.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <vector>

namespace
{
    constexpr std::size_t total = 1024000;
    using tensor = xt::xtensor<float, 1, xt::layout_type::row_major, xsimd::aligned_allocator<float, 64>>;

    template <class Opt, class Ps>
    double median_step_us(Opt& opt, Ps& params, const Ps& grads)
    {
        opt.step(0, params, grads);  // makes the state
        std::vector<double> times;
        for (int i = 0; i < 200; ++i)
        {
            const auto t0 = std::chrono::steady_clock::now();
            opt.step(0, params, grads);
            times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::nth_element(times.begin(), times.begin() + 100, times.end());
        return times[100] * 1e6;
    }

    template <class Make>
    double separate(std::size_t count, Make make)
    {
        std::vector<tensor> params, grads;
        for (std::size_t k = 0; k < count; ++k)
        {
            params.push_back(xt::ones<float>({total / count}));
            grads.push_back(xt::ones<float>({total / count}) * 1e-3f);
        }
        auto opt = make();
        return median_step_us(opt, params, grads);
    }

    template <class Make>
    double contiguous(std::size_t count, Make make)
    {
        const std::size_t each = total / count;
        std::vector<float, xsimd::aligned_allocator<float, 64>> p(total, 1.0f), g(total, 1e-3f);
        using view = decltype(xt::adapt(p.data(), each, xt::no_ownership(), std::array<std::size_t, 1>{each}));
        std::vector<view> params, grads;
        for (std::size_t k = 0; k < count; ++k)
        {
            params.push_back(
                xt::adapt(p.data() + k * each, each, xt::no_ownership(), std::array<std::size_t, 1>{each}));
            grads.push_back(xt::adapt(g.data() + k * each, each, xt::no_ownership(), std::array<std::size_t, 1>{each}));
        }
        auto opt = make();
        return median_step_us(opt, params, grads);
    }

    template <class Make>
    void report(const char* name, Make make)
    {
        const double s1 = separate(1, make), s1000 = separate(1000, make);
        const double c1 = contiguous(1, make), c1000 = contiguous(1000, make);
        std::printf("%-8s separate: 1 x %.0f us, 1000 x %.0f us, ratio %.3f | contiguous: 1 x %.0f us, 1000 x %.0f us, "
                    "ratio %.3f\n",
                    name, s1, s1000, s1 / s1000, c1, c1000, c1 / c1000);
    }
}

int main()
{
    for (int round = 0; round < 3; ++round)
    {
        report("sgd", [] { return xoptim::sgd<float>(); });
        report("adam", [] { return xoptim::adam<float>(); });
        report("amsgrad", [] { return xoptim::amsgrad<float>(); });
    }
}
