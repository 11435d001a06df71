// Instructions per step, counted by callgrind (repeatable on a shared machine): `seed` steps
// SGD on the seed's two doubles 10^6 times; `many` steps SGD on 1 x 1024000 or 1000 x 1024
// floats 13 times after a first step (instructions per tensor: the difference of the
// two run_steps totals over 13 000). AVX2, since
// valgrind does not run AVX-512:
//   g++ -std=c++20 -O3 -march=x86-64-v3 -DNDEBUG -Iinclude benchmarks/experiments/step_instructions.cpp -o si
//   valgrind --tool=callgrind --callgrind-out-file=seed.out ./si seed      # total / 10^6
//   valgrind --tool=callgrind --callgrind-out-file=one.out ./si many 1
//   valgrind --tool=callgrind --callgrind-out-file=many.out ./si many 1000
//   callgrind_annotate --inclusive=yes many.out | grep run_steps   # against one.out
// A last argument `any` runs the same steps through xoptim::make_optimizer ("sgd"), the
// type-erased any_optimizer: `./si seed any`, `./si many 1000 any` (against the typed counts).
// `registered` in place of `many` registers the tensors once and steps them with step(grads):
// `./si registered 1000`, `./si registered 1000 any`.

#include <xoptim/any_optimizer.hpp>
#include <xoptim/optimizers.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

template <class Opt, class Step>
__attribute__((noinline)) void run_steps(Opt& opt, int n, Step step)
{
    for (int i = 0; i < n; ++i)
    {
        step(opt);
        asm volatile("" ::: "memory");
    }
}

int main(int argc, char** argv)
{
    const std::string what = argc > 1 ? argv[1] : "seed";
    const bool any = std::string(argv[argc - 1]) == "any";
    if (what == "seed")
    {
        xt::xtensor<double, 1> p = {-20.0, -10.0};
        const xt::xtensor<double, 1> g = {0.75, -1.25};
        auto step = [&](auto& o) { o.step(p, g); };
        if (any)
        {
            auto opt = xoptim::make_optimizer<double>("sgd");
            run_steps(opt, 1000000, step);
        }
        else
        {
            auto opt = xoptim::sgd<double>();
            run_steps(opt, 1000000, step);
        }
        std::printf("%g\n", p(0));
        return 0;
    }
    const std::size_t count = argc > 2 && std::string(argv[2]) != "any" ? std::strtoul(argv[2], nullptr, 10) : 1000;
    std::vector<xt::xtensor<float, 1>> ps, gs;
    for (std::size_t k = 0; k < count; ++k)
    {
        ps.push_back(xt::ones<float>({1024000 / count}));
        gs.push_back(xt::ones<float>({1024000 / count}) * 1e-3f);
    }
    if (what == "registered")
    {
        const std::vector<xoptim::grad_ref<float>> grads(gs.begin(), gs.end());
        const std::span<const xoptim::grad_ref<float>> g(grads);
        auto step = [&](auto& o) { o.step(g); };
        auto run = [&](auto opt) {
            opt.add_group(std::vector<xoptim::tensor_ref<float>>(ps.begin(), ps.end()));
            opt.step(g);  // makes the state, outside the count
            run_steps(opt, 13, step);
        };
        if (any) { run(xoptim::make_optimizer<float>("sgd")); }
        else { run(xoptim::sgd<float>()); }
        std::printf("%g\n", static_cast<double>(ps[0](0)));
        return 0;
    }
    auto step = [&](auto& o) { o.step(0, ps, gs); };
    if (any)
    {
        auto opt = xoptim::make_optimizer<float>("sgd");
        opt.step(0, ps, gs);  // makes the state, outside the count
        run_steps(opt, 13, step);
    }
    else
    {
        auto opt = xoptim::sgd<float>();
        opt.step(0, ps, gs);
        run_steps(opt, 13, step);
    }
    std::printf("%g\n", static_cast<double>(ps[0](0)));
}
