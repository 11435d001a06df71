// Schedule-free AdamW (Defazio et al. 2024) on a line fitted by mini-batches: gradients are taken
// at the stored parameters y (train mode); before each evaluation opt.eval() moves them to the
// average x, the point to evaluate, and opt.train() moves them back before the next step.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

int main()
{
    // y = 3 + 5 x + noise, 256 samples, x in [-1, 1): uniform numbers made from raw 64-bit draws.
    std::mt19937_64 rng(7);
    auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
    std::vector<double> xs(256), ys(256);
    for (std::size_t i = 0; i < xs.size(); ++i)
    {
        xs[i] = 2.0 * uniform() - 1.0;
        ys[i] = 3.0 + 5.0 * xs[i] + 0.5 * (uniform() - 0.5);
    }
    auto mse = [&](double w, double b) {
        double s = 0.0;
        for (std::size_t i = 0; i < xs.size(); ++i) { s += (b + w * xs[i] - ys[i]) * (b + w * xs[i] - ys[i]); }
        return s / static_cast<double>(xs.size());
    };

    // Two registered tensors: the slope and the intercept (no weight decay on the intercept).
    xt::xtensor<double, 1> weight{0.0}, bias{0.0};
    auto opt = xoptim::adamw_schedule_free({.lr = 0.5, .weight_decay = 1e-4, .warmup_steps = 20});
    opt.add_group({weight});
    opt.add_group({bias}, {{"weight_decay", 0.0}});

    const std::size_t batch = 16;
    xt::xtensor<double, 1> gw{0.0}, gb{0.0};
    for (int epoch = 1; epoch <= 20; ++epoch)
    {
        opt.train();  // y: where gradients are taken (a no-op on the first epoch)
        for (std::size_t first = 0; first < xs.size(); first += batch)
        {
            gw(0) = 0.0;
            gb(0) = 0.0;
            for (std::size_t i = first; i < first + batch; ++i)
            {
                const double r = bias(0) + weight(0) * xs[i] - ys[i];
                gw(0) += 2.0 * r * xs[i] / static_cast<double>(batch);
                gb(0) += 2.0 * r / static_cast<double>(batch);
            }
            opt.step({gw, gb});
        }
        const double at_y = mse(weight(0), bias(0));
        opt.eval();  // x: the average, what to evaluate (and to save, or ship)
        const double at_x = mse(weight(0), bias(0));
        std::printf("epoch %2d  loss at x %.6f (at y %.6f)  w %.4f  b %.4f  lr %.4f\n", epoch, at_x, at_y, weight(0),
                    bias(0), opt.learning_rate());
    }
    // The run ends in eval mode: the parameters are x. A step now would be refused.
    try
    {
        opt.step({gw, gb});
    }
    catch (const std::logic_error& e)
    {
        std::printf("refused: %s\n", e.what());
    }
    return std::fabs(weight(0) - 5.0) < 0.1 && std::fabs(bias(0) - 3.0) < 0.1 ? 0 : 1;
}
