// The type-erased optimizer against the typed one, finely interleaved: each round steps the
// same tensors K times with the typed optimizer and K times with make_optimizer's (the order
// alternating from round to round), timed with the thread's CPU clock. Prints the median time
// per step of each, the ratio of the medians, and the median of the rounds' ratios (each
// round's pair meets the same load). Group of 1000 x 1024 floats laid out as many/ lays them
// out; "registered" is the same group registered once (add_group with the tensors), each step
// then given the list of gradient references (step(grads)); "big" is one tensor of 2^24 floats;
// "seed" is the seed's two doubles.
//   g++ -std=c++20 -O3 -march=native -DNDEBUG -Iinclude benchmarks/experiments/any_overhead.cpp -o any_overhead
//   ./any_overhead many sgd adam lamb      # or: registered sgd adam, big sgd adam lamb, seed sgd adam

#include <xoptim/any_optimizer.hpp>
#include <xoptim/optimizers.hpp>

#include <xsimd/xsimd.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <span>
#include <string>
#include <vector>

namespace
{
    using tensor = xt::xtensor<float, 1, xt::layout_type::row_major, xsimd::aligned_allocator<float, 64>>;

    double now()
    {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
    }

    double median(std::vector<double> v)
    {
        std::sort(v.begin(), v.end());
        const std::size_t k = v.size() / 2;
        return v.size() % 2 ? v[k] : 0.5 * (v[k - 1] + v[k]);
    }

    // f(the typed optimizer `name`); momentum for any other name
    template <class V, class F>
    decltype(auto) typed(const std::string& name, F&& f)
    {
        if (name == "sgd") { return f(xoptim::sgd<V>()); }
        if (name == "adam") { return f(xoptim::adam<V>()); }
        if (name == "adamw") { return f(xoptim::adamw<V>()); }
        if (name == "lamb") { return f(xoptim::lamb<V>()); }
        return f(xoptim::momentum<V>());
    }

    template <class A, class B>
    void compare(const char* label, A&& step_typed, B&& step_any, int rounds, int k)
    {
        step_typed();
        step_any();
        std::vector<double> ta, tb, r;
        for (int i = 0; i < rounds; ++i)
        {
            double a = 0, b = 0;
            for (int pass = 0; pass < 2; ++pass)
            {
                const bool typed_now = (pass == 0) == (i % 2 == 0);
                const double t0 = now();
                for (int j = 0; j < k; ++j)
                {
                    if (typed_now) { step_typed(); }
                    else { step_any(); }
                    asm volatile("" ::: "memory");
                }
                (typed_now ? a : b) = (now() - t0) / k;
            }
            ta.push_back(a);
            tb.push_back(b);
            r.push_back(b / a);
        }
        std::printf("%-14s typed %10.1f ns  any %10.1f ns  any/typed: ratio of medians %.4f, median of ratios %.4f\n",
                    label, 1e9 * median(ta), 1e9 * median(tb), median(tb) / median(ta), median(r));
    }
}

int main(int argc, char** argv)
{
    const std::string what = argc > 1 ? argv[1] : "many";
    for (int a = 2; a < argc; ++a)
    {
        const std::string name = argv[a];
        if (what == "seed")
        {
            xt::xtensor<double, 1> p = {-20.0, -10.0};
            const xt::xtensor<double, 1> g = {0.75, -1.25};
            auto any = xoptim::make_optimizer<double>(name);
            typed<double>(name, [&](auto o) {
                compare(("seed/" + name).c_str(), [&] { o.step(p, g); }, [&] { any.step(p, g); }, 400, 5000);
                return 0;
            });
            continue;
        }
        const std::size_t count = what == "big" ? 1 : 1000;
        const std::size_t each = what == "big" ? (std::size_t(1) << 24) : 1024;
        std::vector<tensor> ps, gs;
        ps.reserve(count);
        gs.reserve(count);
        for (std::size_t k = 0; k < count; ++k)
        {
            ps.emplace_back(xt::ones<float>({each}));
            gs.emplace_back(xt::ones<float>({each}) * 1e-3f);
        }
        auto any = xoptim::make_optimizer<float>(name);
        typed<float>(name, [&](auto o) {
            if (what == "registered")
            {
                std::vector<xoptim::tensor_ref<float>> refs(ps.begin(), ps.end());
                std::vector<xoptim::tensor_ref<float>> any_refs(ps.begin(), ps.end());
                const std::vector<xoptim::grad_ref<float>> grads(gs.begin(), gs.end());
                o.add_group(std::move(refs));
                any.add_group(std::move(any_refs));
                const std::span<const xoptim::grad_ref<float>> g(grads);
                compare(("registered/" + name).c_str(), [&] { o.step(g); }, [&] { any.step(g); }, 300, 10);
            }
            else if (what == "big")
            {
                compare(("big/" + name).c_str(), [&] { o.step(ps[0], gs[0]); }, [&] { any.step(ps[0], gs[0]); }, 60, 2);
            }
            else
            {
                compare(("many/" + name).c_str(), [&] { o.step(0, ps, gs); }, [&] { any.step(0, ps, gs); }, 300, 10);
            }
            return 0;
        });
    }
}
