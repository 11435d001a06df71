// adafactor/factored/f32/<rows>x<cols>: one Adafactor step on a float matrix, whose second moment
// is factored (row and column accumulators), with its minimum traffic (7 values per parameter:
// three passes reading the parameter and the gradient, the last writing the parameter),
// x_axpy (bandwidth over the in-place axpy's of as many elements), the state it holds,
// state_bytes_per_param, and that of Adam for comparison (adam_state_bytes_per_param: 8).
// adafactor/vector/f32/<N>: the same on a vector (not factored: 11 values per parameter, v read
// in each of the three passes and written in the first; 4 state bytes per parameter).

#include <cstddef>
#include <string>

#include <xoptim/optimizers.hpp>
#include <xtensor/xtensor.hpp>

#include "common.hpp"

namespace xoptim_bench
{
    namespace
    {
        void bm_factored(benchmark::State& state)
        {
            const auto rows = static_cast<std::size_t>(state.range(0));
            const auto cols = static_cast<std::size_t>(state.range(1));
            const std::size_t n = rows * cols;
            xt::xtensor<float, 2, xt::layout_type::row_major, xsimd::aligned_allocator<float, 64>> p =
                xt::empty<float>({rows, cols});
            auto g = p;
            filler f(3);
            f.fill(p.begin(), p.end(), -1.0, 1.0);
            f.fill(g.begin(), g.end(), -1e-2, 1e-2);
            auto opt = xoptim::adafactor<float>();
            const double bytes = double(7 * sizeof(float) * n);
            const double bw = timed_loop(state, bytes, [&] { opt.step(p, g); });
            std::size_t held = 0;
            for (const auto& s : opt.state(0, 0).slots) { held += s.size() * sizeof(float); }
            state.counters["x_axpy"] = bw / axpy_reference<float>(n);
            state.counters["state_bytes_per_param"] = double(held) / double(n);
            state.counters["adam_state_bytes_per_param"] = 2.0 * sizeof(float);
        }

        void bm_vector(benchmark::State& state)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            tensor<float> p = xt::empty<float>({n});
            tensor<float> g = xt::empty<float>({n});
            filler f(3);
            f.fill(p.begin(), p.end(), -1.0, 1.0);
            f.fill(g.begin(), g.end(), -1e-2, 1e-2);
            auto opt = xoptim::adafactor<float>();
            const double bytes = double(11 * sizeof(float) * n);
            const double bw = timed_loop(state, bytes, [&] { opt.step(p, g); });
            std::size_t held = 0;
            for (const auto& s : opt.state(0, 0).slots) { held += s.size() * sizeof(float); }
            state.counters["x_axpy"] = bw / axpy_reference<float>(n);
            state.counters["state_bytes_per_param"] = double(held) / double(n);
        }
    }

    void register_adafactor()
    {
        benchmark::RegisterBenchmark("adafactor/vector/f32", bm_vector)->Arg(1 << 20)->Arg(1 << 24);
        benchmark::RegisterBenchmark("adafactor/factored/f32", bm_factored)
            ->Args({1024, 1024})
            ->Args({4096, 1024})
            ->Args({1024, 4096});
    }
}
