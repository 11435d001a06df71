// A multi-output linear regression, Y = X W* + noise with an ill-conditioned design X (its
// columns scaled from 1 to 1/30), fitted with Shampoo (W is 12 x 6: L is 12 x 12, R 6 x 6)
// and, for comparison, with Adam at the same rate and step count; the bias b goes to an Adam
// optimizer of its own, as Shampoo steps matrices only. Shampoo grafts to Adam's step size and starts
// preconditioning at step 10, recomputing the inverse roots every 10 steps.
// Prints both losses every 20 steps; exits 1 unless Shampoo's loss after 100 steps is below
// Adam's (both reach the noise floor, about 1.7e-5, a few hundred steps later).
//
// Build with the xoptim::muon component (it links a BLAS and LAPACK):
//   target_link_libraries(my_program PRIVATE xoptim::muon)

#include <xoptim/shampoo.hpp>
#include <xoptim/xoptim.hpp>

#include <xtensor/xtensor.hpp>

#include <cstdint>
#include <cstdio>
#include <random>

namespace
{
    using mat = xt::xtensor<double, 2>;
    using vec = xt::xtensor<double, 1>;

    constexpr std::size_t samples = 200, inputs = 12, outputs = 6;

    double uniform(std::mt19937_64& gen) { return static_cast<double>(gen() >> 11) * 0x1p-53 * 2.0 - 1.0; }

    struct problem
    {
        mat x = xt::zeros<double>({samples, inputs});
        mat y = xt::zeros<double>({samples, outputs});

        problem()
        {
            std::mt19937_64 gen(2018);
            for (std::size_t j = 0; j < inputs; ++j)
            {
                const double scale = 1.0 / (1.0 + 29.0 * static_cast<double>(j) / (inputs - 1));
                for (std::size_t i = 0; i < samples; ++i) { x(i, j) = scale * uniform(gen); }
            }
            mat w = xt::zeros<double>({inputs, outputs});
            for (auto& v : w) { v = 3.0 * uniform(gen); }
            for (std::size_t i = 0; i < samples; ++i)
            {
                for (std::size_t k = 0; k < outputs; ++k)
                {
                    double s = 0.5;
                    for (std::size_t j = 0; j < inputs; ++j) { s += x(i, j) * w(j, k); }
                    y(i, k) = s + 0.01 * uniform(gen);
                }
            }
        }

        // Mean squared error over samples and outputs (halved), its gradients in gw and gb.
        double loss(const mat& w, const vec& b, mat& gw, vec& gb) const
        {
            gw.fill(0.0);
            gb.fill(0.0);
            double total = 0.0;
            const double n = static_cast<double>(samples * outputs);
            for (std::size_t i = 0; i < samples; ++i)
            {
                for (std::size_t k = 0; k < outputs; ++k)
                {
                    double r = b(k) - y(i, k);
                    for (std::size_t j = 0; j < inputs; ++j) { r += x(i, j) * w(j, k); }
                    total += 0.5 * r * r / n;
                    gb(k) += r / n;
                    for (std::size_t j = 0; j < inputs; ++j) { gw(j, k) += x(i, j) * r / n; }
                }
            }
            return total;
        }
    };
}

int main()
{
    const problem prob;
    const double lr = 0.05;
    const int steps = 100;

    xoptim::shampoo_options so;
    so.lr = lr;
    so.beta2 = 0.999;
    so.epsilon = 1e-10;
    so.precondition_frequency = 10;
    so.start_preconditioning_step = 10;
    auto shampoo = xoptim::shampoo<double>(so);
    auto bias_opt = xoptim::adam({.lr = lr});
    auto adam_w = xoptim::adam({.lr = lr});
    auto adam_b = xoptim::adam({.lr = lr});

    mat w_s = xt::zeros<double>({inputs, outputs}), w_a = w_s, gw_s = w_s, gw_a = w_s;
    vec b_s = xt::zeros<double>({outputs}), b_a = b_s, gb_s = b_s, gb_a = b_s;
    double loss_s = 0.0, loss_a = 0.0;
    for (int t = 0; t <= steps; ++t)
    {
        loss_s = prob.loss(w_s, b_s, gw_s, gb_s);
        loss_a = prob.loss(w_a, b_a, gw_a, gb_a);
        if (t % 20 == 0) { std::printf("step %3d  shampoo %.6f  adam %.6f\n", t, loss_s, loss_a); }
        if (t == steps) { break; }
        shampoo.step(w_s, gw_s);
        bias_opt.step(b_s, gb_s);
        adam_w.step(w_a, gw_a);
        adam_b.step(b_a, gb_a);
    }
    std::printf("final loss: shampoo %.6f, adam %.6f\n", loss_s, loss_a);
    return loss_s < loss_a ? 0 : 1;
}
