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
        void bm_many(benchmark::State& state, std::string name)
        {
            const auto count = static_cast<std::size_t>(state.range(0));
            const double bytes = double(values_per_parameter(name) * sizeof(float) * many_total);
            many_data<float> d(count);
            const double bw = with_optimizer<float>(
                name, [&](auto opt) { return timed_loop(state, bytes, [&] { opt.step(0, d.params, d.grads); }); });
            const std::string key = "many/" + name + "/f32/1";
            if (count == 1)
            {
                record_reference(key, bw, state);
                return;
            }
            record_reference("many/" + name + "/f32/" + std::to_string(count), bw, state);
            state.counters["x_single"] =
                bw / reference(key, [&] {
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
