// The opt-in multi-threaded step: same numbers as one thread (bitwise for elementwise rules,
// to rounding of the sums for LAMB and LARS), real use of several threads, chunk bounds in
// whole cache lines, and a refused thread count that changes nothing.

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <xsimd/xsimd.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include <xoptim/xoptim.hpp>

namespace
{
    // Deterministic values in [lo, hi) from a seeded mt19937_64 (top 53 bits of each draw).
    template <class V>
    std::vector<V, xsimd::aligned_allocator<V, 64>> uniform(std::size_t n, std::uint64_t seed, double lo, double hi)
    {
        std::mt19937_64 rng(seed);
        std::vector<V, xsimd::aligned_allocator<V, 64>> out(n);
        for (auto& x : out) { x = static_cast<V>(lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53); }
        return out;
    }

    // Runs `steps` steps of a fresh optimizer made by `make` on `threads` threads, on a tensor
    // of n parameters that starts `offset` elements past a 64-byte boundary; returns the
    // parameters afterwards.
    template <class V, class Make>
    std::vector<V> run(Make make, std::size_t threads, std::size_t n, std::size_t offset, int steps)
    {
        auto opt = make();
        opt.set_threads(threads);
        REQUIRE(opt.threads() == threads);
        auto pbuf = uniform<V>(n + offset, 11, -1.0, 1.0);
        auto p = xt::adapt(pbuf.data() + offset, n, xt::no_ownership(), std::vector<std::size_t>{n});
        for (int s = 0; s < steps; ++s)
        {
            const auto gbuf = uniform<V>(n, 100 + static_cast<std::uint64_t>(s), -0.5, 0.5);
            const auto g = xt::adapt(gbuf.data(), n, xt::no_ownership(), std::vector<std::size_t>{n});
            opt.step(p, g);
        }
        return std::vector<V>(p.begin(), p.end());
    }

    template <class V>
    bool bitwise_equal(const std::vector<V>& a, const std::vector<V>& b)
    {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(V)) == 0;
    }

    // max |a - b| over max |b|: the difference relative to the size of the numbers.
    template <class V>
    double max_relative_difference(const std::vector<V>& a, const std::vector<V>& b)
    {
        double diff = 0.0, scale = 0.0;
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            diff = std::max(diff, std::fabs(double(a[i]) - double(b[i])));
            scale = std::max(scale, std::fabs(double(b[i])));
        }
        return diff / scale;
    }

    // A rule that records which threads apply it (and otherwise passes the gradient through).
    struct thread_recorder
    {
        static constexpr std::string_view name = "thread_recorder";
        static constexpr std::size_t max_slots = 0;
        std::set<std::thread::id>* seen = nullptr;
        std::mutex* lock = nullptr;

        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {};

        template <class V>
        coefficients_type<V> coefficients(const xoptim::step_info&) const
        {
            return {};
        }

        template <xoptim::element T>
        T apply(const coefficients_type<xoptim::scalar_t<T>>&, const T&, const T& u,
                const xoptim::slot_view<xoptim::scalar_t<T>>&) const
        {
            std::lock_guard<std::mutex> guard(*lock);
            seen->insert(std::this_thread::get_id());
            return u;
        }

        bool operator==(const thread_recorder&) const = default;
    };
}

// Large enough to be split (2^15 elements per chunk at least), odd so that there is a tail.
constexpr std::size_t big = 3 * (std::size_t(1) << 16) + 37;

TEST_CASE("threaded elementwise steps give bitwise the numbers of one thread")
{
    for (std::size_t offset : {std::size_t(0), std::size_t(3)})
    {
        CAPTURE(offset);
        for (std::size_t threads : {std::size_t(2), std::size_t(3)})
        {
            CAPTURE(threads);
            auto adam = [] { return xoptim::adam<float>({.lr = 1e-2, .weight_decay = 0.01}); };
            CHECK(bitwise_equal(run<float>(adam, threads, big, offset, 3), run<float>(adam, 1, big, offset, 3)));
            auto adamw = [] { return xoptim::adamw<double>({.lr = 1e-2, .amsgrad = true}); };
            CHECK(bitwise_equal(run<double>(adamw, threads, big, offset, 3), run<double>(adamw, 1, big, offset, 3)));
            auto nesterov = [] { return xoptim::nesterov<float>({.lr = 1e-2}); };
            CHECK(
                bitwise_equal(run<float>(nesterov, threads, big, offset, 3), run<float>(nesterov, 1, big, offset, 3)));
            auto rms = [] { return xoptim::rmsprop<float>({.momentum = 0.5, .centered = true}); };
            CHECK(bitwise_equal(run<float>(rms, threads, big, offset, 3), run<float>(rms, 1, big, offset, 3)));
            auto lion = [] { return xoptim::lion<double>({.weight_decay = 0.1}); };
            CHECK(bitwise_equal(run<double>(lion, threads, big, offset, 3), run<double>(lion, 1, big, offset, 3)));
        }
    }
}

TEST_CASE("threaded LAMB and LARS match one thread to the rounding of their sums")
{
    for (std::size_t threads : {std::size_t(2), std::size_t(4)})
    {
        CAPTURE(threads);
        auto lamb_f = [] { return xoptim::lamb<float>({.lr = 1e-2, .weight_decay = 0.01}); };
        const auto lf1 = run<float>(lamb_f, 1, big, 1, 3);
        const auto lft = run<float>(lamb_f, threads, big, 1, 3);
        CHECK(max_relative_difference(lft, lf1) < 1e-5);
        auto lamb_d = [] { return xoptim::lamb<double>({.lr = 1e-2, .weight_decay = 0.01}); };
        const auto ld1 = run<double>(lamb_d, 1, big, 0, 3);
        const auto ldt = run<double>(lamb_d, threads, big, 0, 3);
        CHECK(max_relative_difference(ldt, ld1) < 1e-13);
        // the step moved the parameters: equal results are not equal starting points
        const auto start = uniform<double>(big, 11, -1.0, 1.0);
        CHECK(max_relative_difference(ld1, std::vector<double>(start.begin(), start.end())) > 1e-4);
        auto lars_d = [] { return xoptim::lars<double>({.lr = 1.0, .weight_decay = 0.01}); };
        CHECK(max_relative_difference(run<double>(lars_d, threads, big, 0, 3), run<double>(lars_d, 1, big, 0, 3))
              < 1e-13);
    }
}

TEST_CASE("a threaded step runs on several threads, a small tensor on one")
{
    std::set<std::thread::id> seen;
    std::mutex lock;
    using recorded = xoptim::chain<thread_recorder, xoptim::scale_by_lr<double>>;
    auto make = [&] {
        xoptim::optimizer<recorded, float> opt(
            recorded(thread_recorder{&seen, &lock}, xoptim::scale_by_lr<double>{0.5}));
        opt.set_threads(2);
        return opt;
    };
    auto small_opt = make();
    xt::xtensor<float, 1> small = xt::ones<float>({std::size_t(1000)});
    small_opt.step(small, xt::xtensor<float, 1>(xt::ones<float>({std::size_t(1000)})));
    CHECK(seen.size() == 1);
    CHECK(small(0) == doctest::Approx(0.5));
    seen.clear();
    auto large_opt = make();
    xt::xtensor<float, 1> large = xt::ones<float>({big});
    const xt::xtensor<float, 1> g = xt::ones<float>({big});
    large_opt.step(large, g);
    CHECK(seen.size() == 2);
    CHECK(seen.count(std::this_thread::get_id()) == 1);
    CHECK(large(0) == doctest::Approx(0.5));
    CHECK(large(big - 1) == doctest::Approx(0.5));
}

TEST_CASE("chunks are whole cache lines from the first 64-byte boundary")
{
    auto buf = uniform<float>(big + 16, 1, 0.0, 1.0);
    for (std::size_t offset : {std::size_t(0), std::size_t(5)})
    {
        const float* p = buf.data() + offset;
        std::vector<std::size_t> bounds(5);
        const std::size_t chunks = xoptim::detail::split_in_lines(p, big, 4, bounds.data());
        REQUIRE(chunks == 4);
        CHECK(bounds[0] == 0);
        CHECK(bounds[4] == big);
        for (std::size_t t = 1; t < 4; ++t)
        {
            CHECK(reinterpret_cast<std::uintptr_t>(p + bounds[t]) % 64 == 0);
            CHECK(bounds[t] > bounds[t - 1]);
        }
        // balanced to within one line
        CHECK(bounds[2] - bounds[1] <= bounds[1] - bounds[0] + 16);
    }
    std::vector<std::size_t> bounds(5);
    CHECK(xoptim::detail::split_in_lines(buf.data(), std::size_t(40000), 4, bounds.data()) == 1);
}

TEST_CASE("set_threads refuses 0 and keeps its setting; copies keep the thread count")
{
    auto opt = xoptim::adam<float>();
    CHECK(opt.threads() == 1);
    opt.set_threads(2);
    try
    {
        opt.set_threads(0);
        FAIL("set_threads(0) did not throw");
    }
    catch (const std::invalid_argument& e)
    {
        const std::string what = e.what();
        CHECK(what.find("threads") != std::string::npos);
        CHECK(what.find("got 0") != std::string::npos);
    }
    CHECK(opt.threads() == 2);
    auto copy = opt;
    CHECK(copy.threads() == 2);
    auto run_one = [](auto& o) {
        xt::xtensor<float, 1> p = xt::ones<float>({big});
        const xt::xtensor<float, 1> g = xt::ones<float>({big});
        o.step(p, g);
        return p(big / 2);
    };
    CHECK(run_one(copy) == run_one(opt));
}
