#pragma once
// Shared pieces of xoptim-bench: the heap-allocation counter, deterministic data, the byte
// counts of each optimizer, the registry of reference bandwidths behind the ratio counters,
// and the harness every memory-streaming benchmark runs through.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <xsimd/xsimd.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

namespace xoptim_bench
{
    // Calls of the global operator new since the start (benchmarks/main.cpp replaces it).
    std::uint64_t allocation_count() noexcept;

    template <class V>
    using aligned_vector = std::vector<V, xsimd::aligned_allocator<V, 64>>;

    template <class V>
    using tensor = xt::xtensor<V, 1, xt::layout_type::row_major, xsimd::aligned_allocator<V, 64>>;

    template <class V>
    const char* dtype_name()
    {
        return sizeof(V) == 4 ? "f32" : "f64";
    }

    // splitmix64 turned into a uniform in [lo, hi): cheap enough to fill 2^24 elements quickly
    // and the same on every platform.
    class filler
    {
    public:
        explicit filler(std::uint64_t seed) : m_state(seed) {}

        double next(double lo, double hi)
        {
            std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            z ^= z >> 31;
            return lo + (hi - lo) * static_cast<double>(z >> 11) * 0x1.0p-53;
        }

        template <class It>
        void fill(It first, It last, double lo, double hi)
        {
            for (; first != last; ++first) { *first = static_cast<std::decay_t<decltype(*first)>>(next(lo, hi)); }
        }

    private:
        std::uint64_t m_state;
    };

    // Minimum memory traffic of one step, in values per parameter (multiply by sizeof(V)):
    // parameter read + write, gradient read, each slot read + write; LAMB and LARS read the
    // parameter (and LAMB its moments) a second time in their second pass.
    inline std::size_t values_per_parameter(const std::string& optimizer)
    {
        static const std::map<std::string, std::size_t> table = {
            {"sgd", 3},
            {"momentum", 5},
            {"nesterov", 5},
            {"adam", 7},
            {"adamw", 7},
            {"amsgrad", 9},
            {"rmsprop", 5},
            {"adagrad", 5},
            {"lion", 5},
            {"lamb", 10},
            {"lars", 7},
            {"nadam", 7},
            {"radam", 7},
            {"adamax", 7},
            {"adadelta", 7},
            {"rprop", 7},
            // ASGD before t0 (the default 1e6) writes its average without reading it.
            {"asgd", 4},
            // Adafactor on a vector (step/, many/): three passes reading p, g and v, v written in
            // the first, p in the last. On a matrix (adafactor/factored/) 7: its state is O(n + m).
            {"adafactor", 11},
            // Schedule-free: d = z - y (and AdamW's v) read and written, as momentum (and Adam's m, v).
            {"sgd_schedule_free", 5},
            {"adamw_schedule_free", 7},
        };
        return table.at(optimizer);
    }

    inline const std::vector<std::string>& optimizer_names()
    {
        static const std::vector<std::string> names = {
            "sgd",     "momentum", "nesterov", "adam",  "adamw",  "amsgrad",  "lamb",  "lars", "rmsprop",
            "adagrad", "lion",     "nadam",    "radam", "adamax", "adadelta", "rprop", "asgd", "adafactor"};
        return names;
    }

    // Bandwidths (bytes/s) measured by reference benchmarks in this run, by key such as
    // "axpy/f32/1024" or "naive/adam/f32/1024", with the iterations of the run that measured
    // each. Google Benchmark calls a benchmark several times while it sizes the run (1, 10,
    // ... iterations) and reports only the last, longest one (once per repetition): ratios
    // are taken against the median of the runs with the most iterations, the reported ones.
    struct reference_run
    {
        double bandwidth;
        std::int64_t iterations;
    };

    inline std::map<std::string, std::vector<reference_run>>& reference_bandwidths()
    {
        static std::map<std::string, std::vector<reference_run>> m;
        return m;
    }

    inline void record_reference(const std::string& key, double bandwidth, const benchmark::State& state)
    {
        reference_bandwidths()[key].push_back({bandwidth, static_cast<std::int64_t>(state.iterations())});
    }

    inline double median(std::vector<double> v)
    {
        std::sort(v.begin(), v.end());
        const std::size_t k = v.size() / 2;
        return v.size() % 2 ? v[k] : 0.5 * (v[k - 1] + v[k]);
    }

    // CPU time of the calling thread, in seconds: the machine is shared, and time spent
    // descheduled is not the code's. (Threaded benchmarks use wall-clock time instead.)
    inline double thread_seconds() noexcept
    {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    }

    // Times `body` over the benchmark loop. Reports bytes/s, the allocations per iteration
    // of the timed loop, and returns the bandwidth measured with the thread's CPU clock
    // (Google Benchmark's default measure for these single-threaded benchmarks).
    inline double wall_seconds() noexcept
    {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    }

    // `wall`: measure wall-clock time (for benchmarks that run on several threads, which
    // must also be registered with UseRealTime()).
    template <class Body>
    double timed_loop(benchmark::State& state, double bytes_per_iteration, Body&& body, bool wall = false)
    {
        body();  // warm-up: lazy state, first touch of pages
        const std::uint64_t allocs_before = allocation_count();
        const double t0 = wall ? wall_seconds() : thread_seconds();
        for (auto _ : state)
        {
            body();
            benchmark::ClobberMemory();
        }
        const double seconds = (wall ? wall_seconds() : thread_seconds()) - t0;
        const std::uint64_t allocs = allocation_count() - allocs_before;
        const auto iterations = static_cast<double>(state.iterations());
        state.SetBytesProcessed(static_cast<std::int64_t>(bytes_per_iteration * iterations));
        state.counters["allocs_per_step"] = benchmark::Counter(static_cast<double>(allocs) / iterations);
        return seconds > 0.0 ? bytes_per_iteration * iterations / seconds : 0.0;
    }

    // The reference bandwidth under `key`: the one its benchmark recorded earlier in this run,
    // or, when a filter left that benchmark out, a measurement made now with `measure`.
    inline double reference(const std::string& key, const std::function<double()>& measure)
    {
        auto& m = reference_bandwidths();
        auto it = m.find(key);
        if (it == m.end()) { it = m.emplace(key, std::vector<reference_run>{{measure(), 0}}).first; }
        std::int64_t most = 0;
        for (const auto& r : it->second) { most = std::max(most, r.iterations); }
        std::vector<double> reported;
        for (const auto& r : it->second)
        {
            if (r.iterations == most) { reported.push_back(r.bandwidth); }
        }
        return median(reported);
    }

    // Runs `body` outside of any benchmark for at least `min_seconds` (and 3 times) and
    // returns its bandwidth: the stand-in for a reference benchmark that was filtered out.
    template <class Body>
    double standalone_bandwidth(double bytes_per_iteration, Body&& body, double min_seconds = 0.2)
    {
        body();
        // Batches that double in length, so that reading the clock costs nothing.
        std::size_t iterations = 0, batch = 1;
        const double t0 = thread_seconds();
        double seconds = 0.0;
        do {
            for (std::size_t k = 0; k < batch; ++k)
            {
                body();
                benchmark::ClobberMemory();
            }
            iterations += batch;
            batch *= 2;
            seconds = thread_seconds() - t0;
        } while (seconds < min_seconds || iterations < 3);
        return bytes_per_iteration * static_cast<double>(iterations) / seconds;
    }

    // The parameters of many/ (and any_many/): `count` tensors of many_total / count values,
    // each parameter and its gradient allocated one after the other, 64-byte aligned.
    inline constexpr std::size_t many_total = 1000 * 1024;

    template <class V>
    struct many_data
    {
        std::vector<tensor<V>> params, grads;
        explicit many_data(std::size_t count)
        {
            const std::size_t each = many_total / count;
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

    // Registration helpers, called from main() in a fixed order: references run first.
    void register_baselines();
    void register_naive();
    void register_steps();
    void register_many();
    void register_seed();
    void register_threads();
    void register_any();
    void register_lbfgs();
    void register_checkpoint();
    void register_adafactor();
    void register_scalar_math();
    void register_muon();     // benchmarks/muon/, with the xoptim::muon component
    void register_shampoo();  // benchmarks/muon/shampoo.cpp, likewise

    // Bandwidth of the in-place axpy at N (recorded by baseline/axpy_inplace or measured now).
    template <class V>
    double axpy_reference(std::size_t n);

    // Bandwidth of naive/<optimizer> at N (recorded by its benchmark or measured now).
    template <class V>
    double naive_reference(const std::string& optimizer, std::size_t n);

    inline const std::vector<std::size_t>& sizes()
    {
        static const std::vector<std::size_t> s = {std::size_t(1) << 10, std::size_t(1) << 16, std::size_t(1) << 20,
                                                   std::size_t(1) << 24};
        return s;
    }

    // Default --benchmark_min_time of xoptim-bench (seconds): short, because the suite is
    // repeated for medians instead; a --benchmark_min_time on the command line wins.
    inline constexpr const char* default_min_time = "0.2";
}
