// A linear layer y = W x + b (W 3x4, b of 3) fitted by mini-batch SGD, with PyTorch's two
// training-loop companions: every step clips the gradients of W and b together by their global
// norm (clip_grad_norm, torch.nn.utils.clip_grad_norm_), and every epoch reports the validation
// loss to reduce_on_plateau (torch's ReduceLROnPlateau), which halves the rates of both
// parameter groups once the loss stops improving. Prints each reduction and the final fit.

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <span>
#include <tuple>

#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <xoptim/clip_grad_norm.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/reduce_on_plateau.hpp>

namespace
{
    constexpr std::size_t inputs = 4, outputs = 3;
    constexpr std::size_t train_size = 96, validation_size = 32, batch_size = 8;

    // Uniform in [0, 1) from the top 53 bits: the same numbers with every standard library.
    double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

    struct data_set
    {
        xt::xtensor<double, 2> x, y;  // one sample per row
    };

    // y = A x + c + noise, x in [-1, 1)^4, noise in [-0.05, 0.05).
    data_set make_data(std::mt19937_64& rng, std::size_t n)
    {
        const xt::xtensor<double, 2> A = {{1.0, -2.0, 0.5, 3.0}, {0.0, 1.5, -1.0, 2.0}, {-3.0, 0.25, 2.0, -0.5}};
        const xt::xtensor<double, 1> c = {0.5, -1.0, 2.0};
        data_set d{xt::zeros<double>({n, inputs}), xt::zeros<double>({n, outputs})};
        for (std::size_t i = 0; i < n; ++i)
        {
            for (std::size_t j = 0; j < inputs; ++j) { d.x(i, j) = 2.0 * uniform(rng) - 1.0; }
            for (std::size_t o = 0; o < outputs; ++o)
            {
                double s = c(o) + 0.1 * (uniform(rng) - 0.5);
                for (std::size_t j = 0; j < inputs; ++j) { s += A(o, j) * d.x(i, j); }
                d.y(i, o) = s;
            }
        }
        return d;
    }

    // Mean squared error over rows [first, first + n) and outputs; with gW, gb its gradient.
    double mse(const xt::xtensor<double, 2>& W, const xt::xtensor<double, 1>& b, const data_set& d, std::size_t first,
               std::size_t n, xt::xtensor<double, 2>* gW = nullptr, xt::xtensor<double, 1>* gb = nullptr)
    {
        if (gW) { gW->fill(0.0); }
        if (gb) { gb->fill(0.0); }
        const double scale = 1.0 / static_cast<double>(n * outputs);
        double loss = 0.0;
        for (std::size_t i = first; i < first + n; ++i)
        {
            for (std::size_t o = 0; o < outputs; ++o)
            {
                double r = b(o) - d.y(i, o);
                for (std::size_t j = 0; j < inputs; ++j) { r += W(o, j) * d.x(i, j); }
                loss += r * r * scale;
                if (gW)
                {
                    for (std::size_t j = 0; j < inputs; ++j) { (*gW)(o, j) += 2.0 * r * d.x(i, j) * scale; }
                }
                if (gb) { (*gb)(o) += 2.0 * r * scale; }
            }
        }
        return loss;
    }
}

int main()
{
    std::mt19937_64 rng(2024);
    const data_set train = make_data(rng, train_size);
    const data_set validation = make_data(rng, validation_size);

    xt::xtensor<double, 2> W = xt::zeros<double>({outputs, inputs});
    xt::xtensor<double, 1> b = xt::zeros<double>({outputs});
    xt::xtensor<double, 2> gW = xt::zeros<double>({outputs, inputs});
    xt::xtensor<double, 1> gb = xt::zeros<double>({outputs});

    // Group 0 steps W, group 1 steps b at its own rate (only the names that differ are given).
    auto opt = xoptim::sgd({.lr = 0.2, .momentum = 0.9});
    const std::size_t bias_group = opt.add_group({{"lr", 0.1}});
    // The scheduler reads and sets each group's "lr" through opt.get(g, "lr") and opt.set(g, "lr", x).
    xoptim::reduce_on_plateau plateau(opt, {.factor = 0.5, .patience = 3, .threshold = 1e-3, .min_lr = 1e-4});

    std::span<xt::xtensor<double, 2>, 1> Ws(&W, 1), gWs(&gW, 1);
    std::span<xt::xtensor<double, 1>, 1> bs(&b, 1), gbs(&gb, 1);

    std::size_t reductions = 0, clipped_steps = 0;
    double val = 0.0;
    for (std::size_t epoch = 1; epoch <= 120; ++epoch)
    {
        for (std::size_t first = 0; first < train_size; first += batch_size)
        {
            mse(W, b, train, first, batch_size, &gW, &gb);
            // One norm over W and b together; scaled down only when it exceeds 1.
            const double norm = xoptim::clip_grad_norm(std::tie(gW, gb), 1.0);
            clipped_steps += norm > 1.0 ? 1 : 0;
            opt.step(0, Ws, gWs);
            opt.step(bias_group, bs, gbs);
        }
        val = mse(W, b, validation, 0, validation_size);
        if (plateau.step(val))
        {
            ++reductions;
            std::printf("epoch %3zu: validation loss %.6f, best %.6f; rates now %.4g (W) and %.4g (b)\n", epoch, val,
                        plateau.best(), opt.get(0, "lr"), opt.get(bias_group, "lr"));
        }
    }

    std::printf("\n%zu of %zu steps clipped; %zu reductions\n", clipped_steps, 120 * train_size / batch_size,
                reductions);
    std::printf("validation loss %.6f (the noise alone: about %.6f)\n", val, 0.1 * 0.1 / 12.0);
    std::printf("b = (%.4f, %.4f, %.4f), W row 0 = (%.4f, %.4f, %.4f, %.4f)\n", b(0), b(1), b(2), W(0, 0), W(0, 1),
                W(0, 2), W(0, 3));
    return clipped_steps > 0 && reductions > 0 && val < 2e-3 ? 0 : 1;
}
