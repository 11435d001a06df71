// step/<optimizer>/<dtype>/<N>: one optimizer step on one contiguous tensor, through the
// public API, with x_axpy (bandwidth over the in-place axpy's) and x_naive (over the xtensor
// statements' version) counters. step_unaligned/: parameter and gradient 16 bytes past a
// 64-byte boundary.

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "common.hpp"
#include "optimizers.hpp"

namespace xoptim_bench
{
    namespace
    {
        // Schedule-free SGD and AdamW are in step/ only (no naive, many or any counterpart).
        const std::vector<std::string>& schedule_free_names()
        {
            static const std::vector<std::string> names = {"sgd_schedule_free", "adamw_schedule_free"};
            return names;
        }
        bool schedule_free(const std::string& name)
        {
            return std::find(schedule_free_names().begin(), schedule_free_names().end(), name)
                   != schedule_free_names().end();
        }

        template <class V>
        void bm_step(benchmark::State& state, std::string name)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            tensor<V> p = xt::empty<V>({n});
            tensor<V> g = xt::empty<V>({n});
            filler f(3);
            f.fill(p.begin(), p.end(), -1.0, 1.0);
            f.fill(g.begin(), g.end(), -1e-2, 1e-2);
            const double bytes = double(values_per_parameter(name) * sizeof(V) * n);
            const double bw =
                with_optimizer<V>(name, [&](auto opt) { return timed_loop(state, bytes, [&] { opt.step(p, g); }); });
            record_reference("step/" + name + "/" + dtype_name<V>() + "/" + std::to_string(n), bw, state);
            state.counters["x_axpy"] = bw / axpy_reference<V>(n);
            if (!schedule_free(name)) { state.counters["x_naive"] = bw / naive_reference<V>(name, n); }
        }

        // The parameter and the gradient start 16 bytes past a 64-byte boundary.
        template <class V>
        void bm_step_unaligned(benchmark::State& state, std::string name)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            constexpr std::size_t shift = 16 / sizeof(V);
            aligned_vector<V> pbuf(n + shift), gbuf(n + shift);
            auto p = xt::adapt(pbuf.data() + shift, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
            auto g = xt::adapt(gbuf.data() + shift, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
            filler f(3);
            f.fill(p.begin(), p.end(), -1.0, 1.0);
            f.fill(g.begin(), g.end(), -1e-2, 1e-2);
            const double bytes = double(values_per_parameter(name) * sizeof(V) * n);
            const double bw =
                with_optimizer<V>(name, [&](auto opt) { return timed_loop(state, bytes, [&] { opt.step(p, g); }); });
            state.counters["x_axpy"] = bw / axpy_reference<V>(n);
        }

        template <class V>
        void register_dtype()
        {
            std::vector<std::string> names = optimizer_names();
            names.insert(names.end(), schedule_free_names().begin(), schedule_free_names().end());
            for (const auto& name : names)
            {
                auto* b = benchmark::RegisterBenchmark(("step/" + name + "/" + dtype_name<V>()).c_str(),
                                                       [name](benchmark::State& s) { bm_step<V>(s, name); });
                for (std::size_t n : sizes()) { b->Arg(static_cast<std::int64_t>(n)); }
            }
        }
    }

    void register_steps()
    {
        register_dtype<float>();
        register_dtype<double>();
        for (const char* name : {"sgd", "adam"})
        {
            auto* b = benchmark::RegisterBenchmark(
                (std::string("step_unaligned/") + name + "/f32").c_str(),
                [name = std::string(name)](benchmark::State& s) { bm_step_unaligned<float>(s, name); });
            for (std::size_t n : sizes()) { b->Arg(static_cast<std::int64_t>(n)); }
        }
    }
}
