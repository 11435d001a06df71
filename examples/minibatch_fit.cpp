// A data set with two inputs, written to CSV and loaded back, fitted by mini-batch SGD with
// momentum: batches of 16, a seeded shuffle each epoch, a cosine learning-rate decay that
// quiets the batch noise towards the end, progress printed every 60 steps, and a stop once the
// full gradient is small. Ends with the distance to the least-squares fit.

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <xoptim/fit.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/schedules.hpp>

int main()
{
    // y = 1 + 2 a - 3 b + noise: the inputs come from two draws of the seed generator.
    const auto a = xoptim::seed_data(1, {.size = 200});
    const auto b = xoptim::seed_data(2, {.size = 200});
    {
        std::ofstream csv("plane.csv");
        csv.precision(17);
        csv << "a,b,y\n";
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            const double noise = a.y(i) - 3.0 - 5.0 * a.x(i, 0);  // U(0, 1)
            csv << a.x(i, 0) << ',' << b.x(i, 0) << ',' << 1.0 + 2.0 * a.x(i, 0) - 3.0 * b.x(i, 0) + (noise - 0.5)
                << '\n';
        }
    }
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::load_csv("plane.csv"));
    const auto best = problem.least_squares();

    xt::xtensor<double, 1> theta = xt::zeros<double>({problem.dimension()});
    const xoptim::fit_options options{.epochs = 50, .batch_size = 16, .seed = 3};
    const std::uint64_t total_steps = 50 * 13;  // 13 batches of at most 16 in 200 samples
    auto opt = xoptim::momentum({.momentum = 0.9}, xoptim::cosine_decay{.lr = 0.05, .period = total_steps});
    const auto result = xoptim::fit(problem, opt, theta, options, xoptim::print_every(60, std::cout),
                                    xoptim::stop_at_tolerance(1e-3), xoptim::stop_on_divergence{});

    std::printf("\n%s after %zu steps%s%s\n", std::string(xoptim::to_string(result.reason)).c_str(), result.steps,
                result.message.empty() ? "" : ": ", result.message.c_str());
    std::printf("theta          = (%.5f, %.5f, %.5f)\n", theta(0), theta(1), theta(2));
    std::printf("least squares  = (%.5f, %.5f, %.5f)\n", best(0), best(1), best(2));
    const double distance =
        std::sqrt((theta(0) - best(0)) * (theta(0) - best(0)) + (theta(1) - best(1)) * (theta(1) - best(1))
                  + (theta(2) - best(2)) * (theta(2) - best(2)));
    std::printf("distance       = %.3g\n", distance);
    return distance < 0.01 ? 0 : 1;
}
