// Writes the version-1 checkpoints kept in this folder. Built against xoptim at commit
// 30aaa16 (the last to write format version 1):
//   g++ -std=c++20 -O1 -ffp-contract=off -Iinclude tests/data/checkpoints_v1/make_v1.cpp -o /tmp/make_v1
//   /tmp/make_v1 tests/data/checkpoints_v1
// Each optimizer has hyperparameters that differ from its defaults and from one another,
// so that a loader which matched fields wrongly would be caught. The parameters start at
// {0.5, -1.5, 2.0, 0.25, -0.75, 1.0}, and take 3 steps with the gradient
// 2 (w - {1, 2, 3, 4, 5, 6}) + 0.1 k for step k = 0, 1, 2; two groups where shown.
#include <cstdio>
#include <string>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>
#include <xtensor/xtensor.hpp>

template <class V>
using vec = xt::xtensor<V, 1>;

template <class V, class Opt>
void run_and_save(const std::string& dir, const std::string& name, Opt opt, bool two_groups)
{
    vec<V> w = {V(0.5), V(-1.5), V(2.0), V(0.25), V(-0.75), V(1.0)};
    const vec<V> target = {V(1), V(2), V(3), V(4), V(5), V(6)};
    std::vector<vec<V>> layers = {vec<V>{V(1.0), V(-2.0)}, vec<V>{V(0.5), V(0.5), V(-0.5)}};
    std::size_t g1 = 0;
    if (two_groups) { g1 = opt.add_group(opt.rule()); }
    for (int k = 0; k < 3; ++k)
    {
        const vec<V> g = V(2) * (w - target) + V(0.1) * V(k);
        opt.step(w, g);
        if (two_groups)
        {
            std::vector<vec<V>> grads = {layers[0] * V(0.5) + V(k), layers[1] - V(0.25) * V(k)};
            opt.step(g1, layers, grads);
        }
    }
    xoptim::save_checkpoint(dir + "/" + name + ".ckpt", opt);
    xoptim::save_checkpoint(dir + "/" + name + "_params.ckpt", opt, w);
    std::printf("%s: %s\n", name.c_str(), xoptim::checkpoint_kind<Opt>().c_str());
}

int main(int argc, char** argv)
{
    const std::string dir = argc > 1 ? argv[1] : ".";
    using namespace xoptim;
    run_and_save<double>(dir, "sgd", sgd({.lr = 0.05, .momentum = 0.8, .dampening = 0.1, .weight_decay = 0.01}), true);
    run_and_save<double>(dir, "nesterov", nesterov({.lr = 0.03, .momentum = 0.7, .weight_decay = 0.002}), false);
    run_and_save<double>(dir, "adam",
                         adam({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7, .weight_decay = 0.03}), true);
    run_and_save<double>(dir, "amsgrad", amsgrad({.lr = 0.04, .beta1 = 0.85, .beta2 = 0.97, .eps = 3e-8}), false);
    run_and_save<double>(dir, "adamw",
                         adamw({.lr = 0.01, .beta1 = 0.75, .beta2 = 0.9, .eps = 2e-8, .weight_decay = 0.2}), false);
    run_and_save<double>(
        dir, "lamb",
        lamb({.lr = 0.06, .beta1 = 0.7, .beta2 = 0.93, .eps = 4e-6, .weight_decay = 0.05, .trust_clip = 8.0}), true);
    run_and_save<double>(dir, "lars",
                         lars({.lr = 0.2, .momentum = 0.6, .weight_decay = 0.004, .trust_coefficient = 0.02}), false);
    run_and_save<double>(
        dir, "rmsprop",
        rmsprop({.lr = 0.015, .alpha = 0.9, .eps = 5e-8, .weight_decay = 0.006, .momentum = 0.4, .centered = true}),
        false);
    run_and_save<double>(
        dir, "adagrad",
        adagrad({.lr = 0.3, .lr_decay = 0.01, .weight_decay = 0.007, .initial_accumulator_value = 0.2, .eps = 6e-10}),
        false);
    run_and_save<double>(dir, "lion", lion({.lr = 0.002, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.3}), false);
    run_and_save<float>(dir, "adam_f32", adam<float>({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7}), false);
    run_and_save<double>(
        dir, "sgd_cosine",
        sgd({.momentum = 0.9}, cosine_decay{.lr = 0.1, .period = 7, .eta_min = 0.01, .restarts = true, .t_mult = 2}),
        false);
    run_and_save<double>(
        dir, "adamw_warmup_cosine",
        adamw({.beta1 = 0.85, .weight_decay = 0.1},
              linear_warmup<cosine_decay>{cosine_decay{.lr = 0.05, .period = 20, .eta_min = 0.001}, 2, 0.25}),
        true);
    run_and_save<double>(dir, "lion_one_cycle",
                         lion({.beta2 = 0.95}, one_cycle{.max_lr = 0.01, .total_steps = 50, .pct_start = 0.2}), false);
}
