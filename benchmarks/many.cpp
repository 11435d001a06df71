// many/<optimizer>/f32/<tensors>: one step on a group of `tensors` tensors of 1024000 / tensors
// parameters each (1000 x 1024 against 1 x 1024000), with x_single: bandwidth over that of
// the single tensor of the same total size.

#include <cstddef>
#include <string>
#include <vector>

#include "common.hpp"
#include "optimizers.hpp"

namespace xoptim_bench
{
    namespace
    {
        constexpr std::size_t total = 1000 * 1024;

        template <class V>
        struct many_data
        {
            std::vector<tensor<V>> params, grads;
            explicit many_data(std::size_t count)
            {
                const std::size_t each = total / count;
                params.reserve(count);
                grads.reserve(count);
                filler f(4);
                for (std::size_t k = 0; k < count; ++k)
                {
                    params.emplace_back(xt::empty<V>({each}));
                    grads.emplace_back(xt::empty<V>({each}));
                    f.fill(params.back().begin(), params.back().end(), -1.0, 1.0);
                    f.fill(grads.back().begin(), grads.back().end(), -1e-2, 1e-2);
                }
            }
        };

        void bm_many(benchmark::State& state, std::string name)
        {
            const auto count = static_cast<std::size_t>(state.range(0));
            const double bytes = double(values_per_parameter(name) * sizeof(float) * total);
            many_data<float> d(count);
            const double bw = with_optimizer<float>(name, [&](auto opt) {
                return timed_loop(state, bytes, [&] { opt.step(0, d.params, d.grads); });
            });
            const std::string key = "many/" + name + "/f32/1";
            if (count == 1)
            {
                record_reference(key, bw, state);
                return;
            }
            state.counters["x_single"] = bw / reference(key, [&] {
                many_data<float> single(1);
                return with_optimizer<float>(name, [&](auto opt) {
                    return standalone_bandwidth(bytes, [&] { opt.step(0, single.params, single.grads); });
                });
            });
        }
    }

    void register_many()
    {
        for (const auto& name : optimizer_names())
        {
            benchmark::RegisterBenchmark(("many/" + name + "/f32").c_str(),
                                         [name](benchmark::State& s) { bm_many(s, name); })
                ->Arg(1)
                ->Arg(1000);
        }
    }
}
