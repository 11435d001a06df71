// Writes the version-2 checkpoints kept in this folder. Built against xoptim at commit
// da26150 (the last to write format version 2):
//   g++ -std=c++20 -O1 -ffp-contract=off -Iinclude tests/data/checkpoints_v2/make_v2.cpp -lopenblas -o /tmp/make_v2
//   /tmp/make_v2 tests/data/checkpoints_v2
// The elementwise optimizers take the run of ../checkpoints_v1/make_v1.cpp: parameters
// {0.5, -1.5, 2.0, 0.25, -0.75, 1.0}, 3 steps with the gradient 2 (w - {1, 2, 3, 4, 5, 6})
// + 0.1 k for step k = 0, 1, 2, and a second group of two tensors where shown. L-BFGS takes
// 3 steps on the 4-D Rosenbrock chain from {-1.2, 1.0, -0.5, 0.8}; Muon (alone, and with
// AdamW for a vector) 3 steps on a 2x3 matrix with the gradient 0.5 w - 0.1 k. cli_adam:
// what `xoptim-viz fit --objective rosenbrock --optimizer adam --lr 0.1 --epochs 3
// --checkpoint FILE` saves (Adam with lr 0.1, 3 steps from the start (-1.2, 1), theta).
#include <cstdio>
#include <string>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/io/lbfgs_checkpoint.hpp>
#include <xoptim/muon.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/objective.hpp>
#include <xoptim/problems/test_functions.hpp>
#include <xtensor/xtensor.hpp>

template <class V>
using vec = xt::xtensor<V, 1>;
using mat = xt::xtensor<double, 2>;

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

double rosenbrock_chain(const double* x, double* g, std::size_t n)
{
    double f = 0;
    for (std::size_t i = 0; i < n; ++i) { g[i] = 0; }
    for (std::size_t i = 0; i + 1 < n; ++i)
    {
        const double a = 1 - x[i], b = x[i + 1] - x[i] * x[i];
        f += a * a + 100 * b * b;
        g[i] += -2 * a - 400 * x[i] * b;
        g[i + 1] += 200 * b;
    }
    return f;
}

int main(int argc, char** argv)
{
    const std::string dir = argc > 1 ? argv[1] : ".";
    using namespace xoptim;
    run_and_save<double>(dir, "sgd", sgd({.lr = 0.05, .momentum = 0.8, .dampening = 0.1, .weight_decay = 0.01}), true);
    run_and_save<double>(dir, "adam",
                         adam({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7, .weight_decay = 0.03}), true);
    run_and_save<float>(dir, "adam_f32", adam<float>({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7}), false);
    run_and_save<double>(
        dir, "rmsprop",
        rmsprop({.lr = 0.015, .alpha = 0.9, .eps = 5e-8, .weight_decay = 0.006, .momentum = 0.4, .centered = true}),
        false);
    run_and_save<double>(
        dir, "adamw_warmup_cosine",
        adamw({.beta1 = 0.85, .weight_decay = 0.1},
              linear_warmup<cosine_decay>{cosine_decay{.lr = 0.05, .period = 20, .eta_min = 0.001}, 2, 0.25}),
        true);

    lbfgs<double> l({.lr = 1.0, .max_iter = 4, .history_size = 3, .line_search_fn = line_search::strong_wolfe});
    vec<double> x = {-1.2, 1.0, -0.5, 0.8};
    const auto closure = [](const auto& w, auto& g) { return rosenbrock_chain(w.data(), g.data(), w.size()); };
    for (int k = 0; k < 3; ++k) { l.step(x, closure); }
    save_checkpoint(dir + "/lbfgs.ckpt", l);
    save_checkpoint(dir + "/lbfgs_params.ckpt", l, x);
    std::printf("lbfgs\n");

    muon_options mo;
    mo.lr = 0.03;
    mo.momentum = 0.9;
    mo.nesterov = false;
    mo.adjust_lr_fn = muon_lr_adjustment::match_rms_adamw;
    mat p = {{0.5, -0.25, 1.0}, {0.75, 0.1, -0.6}};
    vec<double> b = {0.2, -0.4};
    auto m = muon<double>(mo);
    auto mw = muon_with_adamw<double>(mo, {.lr = 0.01, .weight_decay = 0.05});
    mat q = p;
    mw.add_params({q, b});
    for (int k = 0; k < 3; ++k)
    {
        m.step(p, mat(p * 0.5 - 0.1 * k));
        const mat gq = q * 0.5 - 0.1 * k;
        const vec<double> gb = b * 0.5 - 0.1 * k;
        mw.step({gq, gb});
    }
    save_checkpoint(dir + "/muon.ckpt", m);
    save_checkpoint(dir + "/muon_with_adamw.ckpt", mw);
    std::printf("muon, muon_with_adamw\n");

    auto cli = adam({.lr = 0.1});
    vec<double> theta = {-1.2, 1.0};
    vec<double> grad = xt::zeros<double>({2});
    for (int k = 0; k < 3; ++k)
    {
        value_and_gradient(rosenbrock{}, theta, grad);
        cli.step(theta, grad);
    }
    save_checkpoint(dir + "/cli_adam.ckpt", cli, theta);
    std::printf("cli_adam\n");
}
