// seed/<optimizer>: one step on the seed's two parameters (intercept and slope) through the
// public API, against seed_handwritten/<optimizer>: the same update hand-written on two
// doubles. x_handwritten is the time of the xoptim step over that of the hand-written one.

#include <array>
#include <cmath>
#include <cstddef>
#include <string>

#include "common.hpp"
#include "optimizers.hpp"

// Both bodies are inlined into the timed loop, so that neither side pays a call the other does
// not: timed_loop calls its body twice (warm-up, loop), and GCC keeps a body out of line once
// it is larger than the two-line hand-written update, though a training loop that calls
// optimizer::step (itself inlined into its caller) has no such call.
#define XOPTIM_BENCH_INLINE __attribute__((always_inline))

namespace xoptim_bench
{
    namespace
    {
        struct two
        {
            std::array<double, 2> p{-20.0, -10.0}, g{0.75, -1.25}, m{}, v{};
            std::uint64_t t = 0;
        };

        // Calls f with the update for the library's defaults, written out by hand (a lambda
        // of its own type, so that the call inlines as hand-written code would).
        template <class F>
        double with_handwritten(const std::string& name, F&& f)
        {
            if (name == "sgd")
            {
                return f([](two& s) {
                    for (int i = 0; i < 2; ++i) { s.p[i] -= 1e-3 * s.g[i]; }
                });
            }
            if (name == "momentum")
            {
                return f([](two& s) {
                    const bool first = s.t++ == 0;
                    for (int i = 0; i < 2; ++i)
                    {
                        s.m[i] = first ? s.g[i] : 0.9 * s.m[i] + s.g[i];
                        s.p[i] -= 1e-3 * s.m[i];
                    }
                });
            }
            if (name == "adam")
            {
                return f([](two& s) {
                    ++s.t;
                    const double bc1 = 1.0 - std::pow(0.9, double(s.t));
                    const double sbc2 = std::sqrt(1.0 - std::pow(0.999, double(s.t)));
                    for (int i = 0; i < 2; ++i)
                    {
                        s.m[i] = 0.9 * s.m[i] + 0.1 * s.g[i];
                        s.v[i] = 0.999 * s.v[i] + 0.001 * s.g[i] * s.g[i];
                        s.p[i] -= 1e-3 * (s.m[i] / bc1) / (std::sqrt(s.v[i]) / sbc2 + 1e-8);
                    }
                });
            }
            // lamb
            return f([](two& s) {
                ++s.t;
                const double bc1 = 1.0 - std::pow(0.9, double(s.t));
                const double sbc2 = std::sqrt(1.0 - std::pow(0.999, double(s.t)));
                std::array<double, 2> u{};
                double wn = 0.0, un = 0.0;
                for (int i = 0; i < 2; ++i)
                {
                    s.m[i] = 0.9 * s.m[i] + 0.1 * s.g[i];
                    s.v[i] = 0.999 * s.v[i] + 0.001 * s.g[i] * s.g[i];
                    u[i] = (s.m[i] / bc1) / (std::sqrt(s.v[i]) / sbc2 + 1e-6);
                    wn += s.p[i] * s.p[i];
                    un += u[i] * u[i];
                }
                const double r = (wn > 0.0 && un > 0.0) ? std::sqrt(wn) / std::sqrt(un) : 1.0;
                for (int i = 0; i < 2; ++i) { s.p[i] -= 1e-3 * r * u[i]; }
            });
        }

        void bm_handwritten(benchmark::State& state, std::string name)
        {
            two s;
            benchmark::DoNotOptimize(s.g.data());
            // one "byte" per step: the rate is steps per second
            const double rate = with_handwritten(
                name, [&](auto step) { return timed_loop(state, 1.0, [&]() XOPTIM_BENCH_INLINE { step(s); }); });
            record_reference("seed_handwritten/" + name, rate, state);
            state.counters["ns_per_step"] = benchmark::Counter(1e9 / rate);
        }

        void bm_seed(benchmark::State& state, std::string name)
        {
            xt::xtensor<double, 1> p = {-20.0, -10.0};
            const xt::xtensor<double, 1> g = {0.75, -1.25};
            const double rate = with_optimizer<double>(
                name, [&](auto opt) { return timed_loop(state, 1.0, [&]() XOPTIM_BENCH_INLINE { opt.step(p, g); }); });
            state.counters["ns_per_step"] = benchmark::Counter(1e9 / rate);
            record_reference("seed/" + name, rate, state);
            const double hand = reference("seed_handwritten/" + name, [&] {
                two s;
                benchmark::DoNotOptimize(s.g.data());
                return with_handwritten(name, [&](auto step) {
                    return standalone_bandwidth(1.0, [&]() XOPTIM_BENCH_INLINE {
                        step(s);
                        benchmark::ClobberMemory();
                    });
                });
            });
            state.counters["x_handwritten"] = hand / rate;
        }
    }

    void register_seed()
    {
        for (const char* name : {"sgd", "momentum", "adam", "lamb"})
        {
            benchmark::RegisterBenchmark((std::string("seed_handwritten/") + name).c_str(),
                                         [n = std::string(name)](benchmark::State& s) { bm_handwritten(s, n); });
        }
        for (const char* name : {"sgd", "momentum", "adam", "lamb"})
        {
            benchmark::RegisterBenchmark((std::string("seed/") + name).c_str(),
                                         [n = std::string(name)](benchmark::State& s) { bm_seed(s, n); });
        }
    }
}
