// threads/<optimizer>/f32/<N>/<threads>: the opt-in threaded step (optimizer::set_threads) at
// 1 and 2 threads, against baseline/triad_threads/f32/<N>/<threads>: STREAM's triad cut into
// the same chunks and run on the same kind of thread pool. Wall-clock time; x_triad is the
// step's bandwidth over the triad's at the same thread count.

#include <cstddef>
#include <string>

#include <xoptim/core/parallel.hpp>

#include "common.hpp"
#include "optimizers.hpp"

namespace xoptim_bench
{
    namespace
    {
        const std::size_t thread_sizes[] = {std::size_t(1) << 20, std::size_t(1) << 24};

        std::string triad_key(std::size_t n, std::size_t threads)
        {
            return "triad_threads/f32/" + std::to_string(n) + "/" + std::to_string(threads);
        }

        // The triad over [lo, hi) of every chunk, one chunk per thread of the pool.
        struct threaded_triad
        {
            aligned_vector<float> a, b, c;
            xoptim::detail::thread_pool pool;
            std::size_t bounds[xoptim::detail::max_step_threads + 1] = {};
            std::size_t chunks = 1;

            threaded_triad(std::size_t n, std::size_t threads) : a(n), b(n), c(n), pool(threads)
            {
                filler f(5);
                f.fill(b.begin(), b.end(), -1.0, 1.0);
                f.fill(c.begin(), c.end(), -1.0, 1.0);
                chunks = xoptim::detail::split_in_lines(a.data(), n, threads, bounds);
                if (chunks < 2)
                {
                    bounds[0] = 0;
                    bounds[1] = n;
                    chunks = 1;
                }
            }

            void run()
            {
                auto job = [this](std::size_t t) {
                    if (t >= chunks) { return; }
                    float* __restrict pa = a.data();
                    const float* __restrict pb = b.data();
                    const float* __restrict pc = c.data();
                    for (std::size_t i = bounds[t]; i < bounds[t + 1]; ++i) { pa[i] = pb[i] + 0.5f * pc[i]; }
                };
                pool.run(job);
            }
        };

        void bm_triad_threads(benchmark::State& state)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            const auto threads = static_cast<std::size_t>(state.range(1));
            threaded_triad t(n, threads);
            const double bw = timed_loop(
                state, 12.0 * double(n), [&] { t.run(); }, true);
            record_reference(triad_key(n, threads), bw, state);
        }

        void bm_step_threads(benchmark::State& state, std::string name)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            const auto threads = static_cast<std::size_t>(state.range(1));
            tensor<float> p = xt::empty<float>({n});
            tensor<float> g = xt::empty<float>({n});
            filler f(3);
            f.fill(p.begin(), p.end(), -1.0, 1.0);
            f.fill(g.begin(), g.end(), -1e-2, 1e-2);
            const double bytes = double(values_per_parameter(name) * sizeof(float) * n);
            const double bw = with_optimizer<float>(name, [&](auto opt) {
                opt.set_threads(threads);
                return timed_loop(
                    state, bytes, [&] { opt.step(p, g); }, true);
            });
            state.counters["x_triad"] = bw / reference(triad_key(n, threads), [&] {
                                            threaded_triad t(n, threads);
                                            double seconds = 0.0;
                                            std::size_t iterations = 0;
                                            t.run();
                                            const double t0 = wall_seconds();
                                            while (seconds < 0.2 || iterations < 3)
                                            {
                                                t.run();
                                                ++iterations;
                                                seconds = wall_seconds() - t0;
                                            }
                                            return 12.0 * double(n) * double(iterations) / seconds;
                                        });
        }

        template <class B>
        void add_args(B* b)
        {
            for (std::size_t n : thread_sizes)
            {
                for (std::int64_t threads : {1, 2}) { b->Args({static_cast<std::int64_t>(n), threads}); }
            }
            b->ArgNames({"", "threads"})->UseRealTime();
        }
    }

    void register_threads()
    {
        add_args(benchmark::RegisterBenchmark("baseline/triad_threads/f32", bm_triad_threads));
        for (const char* name : {"sgd", "adam", "lamb"})
        {
            add_args(
                benchmark::RegisterBenchmark((std::string("threads/") + name + "/f32").c_str(),
                                             [n = std::string(name)](benchmark::State& s) { bm_step_threads(s, n); }));
        }
    }
}
