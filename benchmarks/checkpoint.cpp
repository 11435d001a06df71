// checkpoint/checksum_<hash>/<bytes>: the checksum of a checkpoint of that many bytes, FNV-1a 64
// (formats 1 and 2) and XXH3-64 (format 3), as bytes_per_second over the same random bytes.
// checkpoint/to_bytes/adam_f32_2^24 and checkpoint/from_bytes/adam_f32_2^24: the whole
// checkpoint in memory (encode, seal; open, check, decode, commit) of Adam in float after one
// step on 2^24 parameters, with them (3 x 64 MiB of values), as bytes_per_second of the file.

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>

#include "common.hpp"

namespace xoptim_bench
{
    namespace
    {
        std::vector<unsigned char> random_bytes(std::size_t n)
        {
            std::mt19937_64 gen(42);
            std::vector<unsigned char> b(n);
            for (auto& x : b) { x = static_cast<unsigned char>(gen()); }
            return b;
        }

        template <std::uint64_t (*Hash)(const unsigned char*, std::size_t) noexcept>
        void run_checksum(benchmark::State& state)
        {
            const auto bytes = random_bytes(static_cast<std::size_t>(state.range(0)));
            for (auto _ : state) { benchmark::DoNotOptimize(Hash(bytes.data(), bytes.size())); }
            state.SetBytesProcessed(state.iterations() * state.range(0));
        }

        std::uint64_t fnv1a(const unsigned char* p, std::size_t n) noexcept
        {
            return xoptim::detail::ckpt::fnv1a64(p, n);
        }

        struct adam_state
        {
            static constexpr std::size_t n = std::size_t(1) << 24;
            xt::xtensor<float, 1> w = xt::zeros<float>({n});
            decltype(xoptim::adam<float>()) opt = xoptim::adam<float>({.lr = 1e-3});

            adam_state()
            {
                std::mt19937 gen(7);
                std::uniform_real_distribution<float> d(-1.0f, 1.0f);
                xt::xtensor<float, 1> g = xt::zeros<float>({n});
                for (std::size_t i = 0; i < n; ++i)
                {
                    w(i) = d(gen);
                    g(i) = 1e-2f * d(gen);
                }
                opt.step(w, g);
            }
        };
    }

    void register_checkpoint()
    {
        for (const std::int64_t bytes : {std::int64_t(1) << 12, std::int64_t(1) << 20, std::int64_t(1) << 26})
        {
            benchmark::RegisterBenchmark("checkpoint/checksum_fnv1a", run_checksum<fnv1a>)->Arg(bytes);
            benchmark::RegisterBenchmark("checkpoint/checksum_xxh3", run_checksum<xoptim::detail::ckpt::xxh3_64>)
                ->Arg(bytes);
        }
        benchmark::RegisterBenchmark("checkpoint/to_bytes/adam_f32_2^24",
                                     [](benchmark::State& state) {
                                         const adam_state s;
                                         std::size_t size = 0;
                                         for (auto _ : state)
                                         {
                                             const auto b = xoptim::to_bytes(s.opt, s.w, {.tag = "bench"});
                                             size = b.size();
                                             benchmark::DoNotOptimize(b.data());
                                         }
                                         state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
                                     })
            ->Unit(benchmark::kMillisecond)
            ->Iterations(3);
        benchmark::RegisterBenchmark(
            "checkpoint/from_bytes/adam_f32_2^24",
            [](benchmark::State& state) {
                adam_state s;
                const auto b = xoptim::to_bytes(s.opt, s.w, {.tag = "bench"});
                for (auto _ : state)
                {
                    xoptim::from_bytes(std::span<const unsigned char>(b), s.opt, s.w, {.tag = "bench"});
                    benchmark::DoNotOptimize(s.w.data());
                }
                state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(b.size()));
            })
            ->Unit(benchmark::kMillisecond)
            ->Iterations(3);
    }
}
