// The type-erased optimizer (xoptim::any_optimizer<V>, made by make_optimizer<V>(name))
// against the typed one, on the same data as the typed benchmark it is named after:
//   any_step/<optimizer>/f32/<N>      opt.step(w, g) on one tensor        (step/<optimizer>/f32/<N>)
//   any_many/<optimizer>/f32/1000     opt.step(0, params, grads), 1000 x 1024  (many/<optimizer>/f32/1000)
//   any_seed/<optimizer>              opt.step(p, g) on the seed's two doubles (seed/<optimizer>)
// x_typed: for any_step/ and any_many/, the bandwidth over the typed benchmark's (below 1 is
// slower); for any_seed/, the time per step over the typed one's (above 1 is slower).

#include <cstddef>
#include <string>

#include <xoptim/any_optimizer.hpp>

#include "common.hpp"
#include "optimizers.hpp"

// As in seed.cpp: the body is inlined into the timed loop, as in the typed seed/ benchmark.
#define XOPTIM_BENCH_INLINE __attribute__((always_inline))

namespace xoptim_bench
{
    namespace
    {
        const std::size_t any_sizes[] = {std::size_t(1) << 10, std::size_t(1) << 24};

        template <class V>
        void bm_any_step(benchmark::State& state, std::string name)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            tensor<V> p = xt::empty<V>({n});
            tensor<V> g = xt::empty<V>({n});
            filler f(3);
            f.fill(p.begin(), p.end(), -1.0, 1.0);
            f.fill(g.begin(), g.end(), -1e-2, 1e-2);
            const double bytes = double(values_per_parameter(name) * sizeof(V) * n);
            auto opt = xoptim::make_optimizer<V>(name);
            const double bw = timed_loop(state, bytes, [&] { opt.step(p, g); });
            state.counters["x_typed"] =
                bw / reference("step/" + name + "/" + dtype_name<V>() + "/" + std::to_string(n), [&] {
                    tensor<V> tp = p, tg = g;
                    return with_optimizer<V>(
                        name, [&](auto typed) { return standalone_bandwidth(bytes, [&] { typed.step(tp, tg); }); });
                });
        }

        void bm_any_many(benchmark::State& state, std::string name)
        {
            const auto count = static_cast<std::size_t>(state.range(0));
            const double bytes = double(values_per_parameter(name) * sizeof(float) * many_total);
            many_data<float> d(count);
            auto opt = xoptim::make_optimizer<float>(name);
            const double bw = timed_loop(state, bytes, [&] { opt.step(0, d.params, d.grads); });
            state.counters["x_typed"] =
                bw / reference("many/" + name + "/f32/" + std::to_string(count), [&] {
                    many_data<float> typed_data(count);
                    return with_optimizer<float>(name, [&](auto typed) {
                        return standalone_bandwidth(bytes, [&] { typed.step(0, typed_data.params, typed_data.grads); });
                    });
                });
        }

        void bm_any_seed(benchmark::State& state, std::string name)
        {
            xt::xtensor<double, 1> p = {-20.0, -10.0};
            const xt::xtensor<double, 1> g = {0.75, -1.25};
            auto opt = xoptim::make_optimizer<double>(name);
            // one "byte" per step: the rate is steps per second
            const double rate = timed_loop(state, 1.0, [&]() XOPTIM_BENCH_INLINE { opt.step(p, g); });
            state.counters["ns_per_step"] = benchmark::Counter(1e9 / rate);
            const double typed = reference("seed/" + name, [&] {
                xt::xtensor<double, 1> tp = {-20.0, -10.0};
                return with_optimizer<double>(name, [&](auto o) {
                    return standalone_bandwidth(1.0, [&]() XOPTIM_BENCH_INLINE { o.step(tp, g); });
                });
            });
            state.counters["x_typed"] = typed / rate;
        }
    }

    void register_any()
    {
        for (const auto& name : optimizer_names())
        {
            auto* b = benchmark::RegisterBenchmark(("any_step/" + name + "/f32").c_str(),
                                                   [name](benchmark::State& s) { bm_any_step<float>(s, name); });
            for (std::size_t n : any_sizes) { b->Arg(static_cast<std::int64_t>(n)); }
        }
        for (const auto& name : optimizer_names())
        {
            benchmark::RegisterBenchmark(("any_many/" + name + "/f32").c_str(), [name](benchmark::State& s) {
                bm_any_many(s, name);
            })->Arg(1000);
        }
        for (const char* name : {"sgd", "momentum", "adam", "lamb"})
        {
            benchmark::RegisterBenchmark((std::string("any_seed/") + name).c_str(),
                                         [n = std::string(name)](benchmark::State& s) { bm_any_seed(s, n); });
        }
    }
}
