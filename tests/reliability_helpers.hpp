#pragma once
// Shared by the reliability tests (checkpoints, non-finite gradients, properties, edge cases):
// seeded random numbers with our own transforms, bitwise comparison, and the list of every
// named optimizer and every schedule, each made fresh on demand.

#include <xoptim/optimizers.hpp>
#include <xoptim/schedules.hpp>

#include <xtensor/xtensor.hpp>
#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace xrel
{
    // Uniform in [lo, hi) from the top 53 bits of one draw.
    inline double uniform(std::mt19937_64& rng, double lo, double hi)
    {
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
        return lo + (hi - lo) * u;
    }

    // Uniform integer in [lo, hi] (the modulo bias is irrelevant for test sizes).
    inline std::size_t uniform_int(std::mt19937_64& rng, std::size_t lo, std::size_t hi)
    {
        return lo + static_cast<std::size_t>(rng() % (hi - lo + 1));
    }

    template <class T>
    void fill_uniform(T& t, std::mt19937_64& rng, double lo, double hi)
    {
        for (auto& x : t) { x = static_cast<typename T::value_type>(uniform(rng, lo, hi)); }
    }

    // Same shape and the same bits in every element.
    template <class A, class B>
    bool same_bits(const A& a, const B& b)
    {
        if (a.dimension() != b.dimension()) { return false; }
        for (std::size_t d = 0; d < a.dimension(); ++d)
        {
            if (a.shape()[d] != b.shape()[d]) { return false; }
        }
        auto ia = a.begin();
        auto ib = b.begin();
        for (; ia != a.end(); ++ia, ++ib)
        {
            const auto x = *ia;
            const auto y = *ib;
            if (std::memcmp(&x, &y, sizeof x) != 0) { return false; }
        }
        return true;
    }

    // Every schedule, with parameters that make it change within a few steps.
    template <class F>
    void for_each_schedule(F&& f)
    {
        f("constant", 0.05);
        f("constant_schedule", xoptim::constant_schedule{0.05});
        f("step_decay", xoptim::step_decay{0.05, 3, 0.5});
        f("exponential_decay", xoptim::exponential_decay{0.05, 0.9});
        f("inverse_time_decay", xoptim::inverse_time_decay{0.05, 0.1});
        f("cosine_decay", xoptim::cosine_decay{0.05, 4, 0.001, true, 2});
        f("linear_warmup", xoptim::linear_warmup<xoptim::cosine_decay>{{0.05, 10, 0.0, false, 1}, 3, 0.1});
        f("one_cycle", xoptim::one_cycle{0.05, 20, 0.3, 25.0, 1e4});
    }

    // Every named optimizer with hyperparameters that exercise its options; f(name, make)
    // where make() returns a fresh optimizer with value type V and learning-rate schedule s.
    template <class V, class S, class F>
    void for_each_named(const S& s, F&& f)
    {
        using namespace xoptim;
        // The options' rate: given with a constant rate, left out with a schedule.
        const lr_option rate = std::is_arithmetic_v<S> ? lr_option(0.05) : lr_option::defaulted(0.05);
        f("sgd", [s, rate] { return sgd<V>(sgd_options{rate, 0.0, 0.0, 0.01, false}, s); });
        f("momentum", [s, rate] { return momentum<V>(momentum_options{rate, 0.9, 0.1, 0.01}, s); });
        f("nesterov", [s, rate] { return nesterov<V>(nesterov_options{rate, 0.8, 0.01}, s); });
        f("adam", [s, rate] { return adam<V>(adam_options{rate, 0.8, 0.95, 1e-8, 0.01}, s); });
        f("amsgrad", [s, rate] { return amsgrad<V>(adam_options{rate, 0.8, 0.95, 1e-8, 0.0}, s); });
        f("adamw", [s, rate] { return adamw<V>(adamw_options{rate, 0.9, 0.99, 1e-8, 0.05, false}, s); });
        f("lamb", [s, rate] { return lamb<V>(lamb_options{rate, 0.9, 0.99, 1e-6, 0.01, 10.0}, s); });
        f("lars", [s, rate] { return lars<V>(lars_options{rate, 0.9, 0.001, 0.02}, s); });
        f("rmsprop", [s, rate] { return rmsprop<V>(rmsprop_options{rate, 0.9, 1e-8, 0.01, 0.5, true}, s); });
        f("adagrad", [s, rate] { return adagrad<V>(adagrad_options{rate, 0.0, 0.01, 0.1, 1e-10}, s); });
        f("lion", [s, rate] { return lion<V>(lion_options{rate, 0.9, 0.99, 0.01}, s); });
    }

    // Two parameter tensors of awkward sizes (SIMD body, tail and a 2-D shape).
    template <class V>
    std::vector<xt::xtensor<V, 2>> make_params(std::uint64_t seed)
    {
        std::mt19937_64 rng(seed);
        std::vector<xt::xtensor<V, 2>> p{xt::xtensor<V, 2>::from_shape({1, 19}), xt::xtensor<V, 2>::from_shape({3, 5})};
        for (auto& t : p) { fill_uniform(t, rng, -1.0, 1.0); }
        return p;
    }

    // A deterministic gradient: a quadratic pull towards 0.3 plus a step-dependent wobble.
    template <class V>
    std::vector<xt::xtensor<V, 2>> gradient(const std::vector<xt::xtensor<V, 2>>& p, std::uint64_t step)
    {
        std::mt19937_64 rng(1000 + step);
        std::vector<xt::xtensor<V, 2>> g;
        for (const auto& t : p)
        {
            xt::xtensor<V, 2> gt = xt::xtensor<V, 2>::from_shape(t.shape());
            auto it = t.begin();
            for (auto& x : gt)
            {
                x = static_cast<V>(2.0 * (static_cast<double>(*it++) - 0.3) + uniform(rng, -0.5, 0.5));
            }
            g.push_back(std::move(gt));
        }
        return g;
    }

    template <class Opt, class V>
    void run_steps(Opt& opt, std::vector<xt::xtensor<V, 2>>& p, std::uint64_t from, std::uint64_t count)
    {
        for (std::uint64_t s = from; s < from + count; ++s)
        {
            const auto g = gradient(p, s);
            opt.step(0, p, g);
        }
    }

    // Every slot of every tensor of every group, bit for bit, and the step counts.
    template <class Opt>
    bool same_state(const Opt& a, const Opt& b)
    {
        if (a.group_count() != b.group_count()) { return false; }
        for (std::size_t g = 0; g < a.group_count(); ++g)
        {
            const auto& ga = a.groups()[g];
            const auto& gb = b.groups()[g];
            if (ga.step != gb.step || ga.skipped != gb.skipped || ga.tensors.size() != gb.tensors.size())
            {
                return false;
            }
            for (std::size_t t = 0; t < ga.tensors.size(); ++t)
            {
                if (ga.tensors[t].shape != gb.tensors[t].shape) { return false; }
                if (ga.tensors[t].slots.size() != gb.tensors[t].slots.size()) { return false; }
                for (std::size_t s = 0; s < ga.tensors[t].slots.size(); ++s)
                {
                    if (!same_bits(ga.tensors[t].slots[s], gb.tensors[t].slots[s])) { return false; }
                }
            }
        }
        return true;
    }

    // The FNV-1a 64 hash, written here from its definition to check the library's.
    inline std::uint64_t fnv1a(const unsigned char* p, std::size_t n)
    {
        std::uint64_t h = 0xcbf29ce484222325ull;
        for (std::size_t i = 0; i < n; ++i) { h = (h ^ p[i]) * 0x100000001b3ull; }
        return h;
    }

    // Recomputes the trailing checksum of a checkpoint after a test has edited its bytes: the
    // system's XXH3-64 (libxxhash, checked against published vectors in test_checkpoint.cpp)
    // from format 3 on, FNV-1a 64 before.
    inline void reseal(std::vector<unsigned char>& b)
    {
        const std::uint32_t version =
            std::uint32_t(b[8]) | std::uint32_t(b[9]) << 8 | std::uint32_t(b[10]) << 16 | std::uint32_t(b[11]) << 24;
        const std::uint64_t h =
            version >= 3 ? std::uint64_t(XXH3_64bits(b.data(), b.size() - 8)) : fnv1a(b.data(), b.size() - 8);
        for (int i = 0; i < 8; ++i)
        {
            b[b.size() - 8 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(h >> (8 * i));
        }
    }

    inline std::uint64_t read_u64(const std::vector<unsigned char>& b, std::size_t at)
    {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) { v |= std::uint64_t(b[at + static_cast<std::size_t>(i)]) << (8 * i); }
        return v;
    }

    // Where the optimizer kind (its u32 length) starts: after the 24-byte header and, from
    // format 3 on, the identity (u32 tag length, tag, u32 name count, each: u32 length, name).
    inline std::size_t kind_at(const std::vector<unsigned char>& b)
    {
        const auto u32 = [&](std::size_t at) {
            std::uint32_t v = 0;
            for (int i = 0; i < 4; ++i) { v |= std::uint32_t(b.at(at + static_cast<std::size_t>(i))) << (8 * i); }
            return v;
        };
        if (u32(8) < 3) { return 24; }
        std::size_t at = 24 + 4 + u32(24);
        const std::uint32_t names = u32(at);
        at += 4;
        for (std::uint32_t k = 0; k < names; ++k) { at += 4 + u32(at); }
        return at;
    }

    inline std::uint32_t read_u32(const std::vector<unsigned char>& b, std::size_t at)
    {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) { v |= std::uint32_t(b[at + static_cast<std::size_t>(i)]) << (8 * i); }
        return v;
    }

    inline void write_u64(std::vector<unsigned char>& b, std::size_t at, std::uint64_t v)
    {
        for (int i = 0; i < 8; ++i) { b[at + static_cast<std::size_t>(i)] = static_cast<unsigned char>(v >> (8 * i)); }
    }

    inline void write_u32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v)
    {
        for (int i = 0; i < 4; ++i) { b[at + static_cast<std::size_t>(i)] = static_cast<unsigned char>(v >> (8 * i)); }
    }
}
