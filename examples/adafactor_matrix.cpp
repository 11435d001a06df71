// Adafactor on a multi-output linear regression, Y = X W + b: the weight matrix W (64 x 32) gets
// factored second moments (a value per row and per column), the bias b the whole vector, in one
// group. The state it holds is printed beside what Adam would hold (docs/optimizers.md, Adafactor).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include <xtensor/xarray.hpp>

#include <xoptim/xoptim.hpp>

int main()
{
    constexpr std::size_t samples = 256, in = 64, out = 32;
    std::mt19937_64 rng(7);
    auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0; };

    // Data from a known W* and b*, plus a little noise.
    xt::xarray<double> x = xt::zeros<double>({samples, in});
    xt::xarray<double> w_true = xt::zeros<double>({in, out});
    xt::xarray<double> b_true = xt::zeros<double>({out});
    for (auto& v : x) { v = uniform(); }
    for (auto& v : w_true) { v = uniform(); }
    for (auto& v : b_true) { v = uniform(); }
    xt::xarray<double> y = xt::zeros<double>({samples, out});
    for (std::size_t n = 0; n < samples; ++n)
    {
        for (std::size_t k = 0; k < out; ++k)
        {
            double s = b_true(k) + 0.01 * uniform();
            for (std::size_t i = 0; i < in; ++i) { s += x(n, i) * w_true(i, k); }
            y(n, k) = s;
        }
    }

    std::vector<xt::xarray<double>> params{xt::zeros<double>({in, out}), xt::zeros<double>({out})};
    std::vector<xt::xarray<double>> grads{xt::zeros<double>({in, out}), xt::zeros<double>({out})};
    // torch 2.5's defaults but a larger cap of the relative step size. From zero the first steps
    // are small: a step is relative to RMS(w), floored at eps2 = 1e-3.
    auto opt = xoptim::adafactor({.lr = 0.05});

    double first = 0.0, loss = 0.0;
    for (int step = 0; step <= 300; ++step)
    {
        // Mean squared error over samples and outputs, and its gradient.
        grads[0].fill(0.0);
        grads[1].fill(0.0);
        loss = 0.0;
        const double scale = 2.0 / double(samples * out);
        for (std::size_t n = 0; n < samples; ++n)
        {
            for (std::size_t k = 0; k < out; ++k)
            {
                double r = params[1](k) - y(n, k);
                for (std::size_t i = 0; i < in; ++i) { r += x(n, i) * params[0](i, k); }
                loss += r * r / double(samples * out);
                grads[1](k) += scale * r;
                for (std::size_t i = 0; i < in; ++i) { grads[0](i, k) += scale * r * x(n, i); }
            }
        }
        if (step == 0) { first = loss; }
        if (step % 50 == 0) { std::printf("step %3d  loss %.6f\n", step, loss); }
        if (step < 300) { opt.step(0, params, grads); }
    }

    // W: a row accumulator (64), a column accumulator and its scratch (32 each), one mean;
    // b: one value per element (32). Adam would keep two values per parameter.
    std::size_t held = 0;
    for (std::size_t t = 0; t < params.size(); ++t)
    {
        for (const auto& s : opt.state(0, t).slots) { held += s.size() * sizeof(double); }
    }
    const std::size_t count = in * out + out;
    std::printf("Adafactor state: %zu bytes for %zu parameters (%.3f per parameter; Adam: %zu)\n", held, count,
                double(held) / double(count), 2 * sizeof(double));
    std::printf("loss %.6f -> %.6f\n", first, loss);
    return loss < 0.05 * first ? 0 : 1;
}
