// Fits the seed's noisy line (y = 3 + 5x + U(0, 1), 100 points) with every named optimizer,
// as the seed's notebook does: RMSE loss, learning rate 0.1, 100 full-batch steps from
// theta0 = -20, theta1 = -10. Other hyperparameters keep their PyTorch defaults.
// Prints one row per optimizer: the final loss, the parameters and their distance to the
// least-squares line.

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <xoptim/fit.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>

int main()
{
    const xoptim::linear_regression<xoptim::rmse> problem(xoptim::seed_data(0));
    const xt::xtensor<double, 1> best = problem.least_squares();
    const xt::xtensor<double, 1> start = {-20.0, -10.0};
    const double lr = 0.1;
    const xoptim::fit_options options{.epochs = 100};

    // Runs one optimizer from the start; returns the final parameters and loss.
    const auto run = [&](auto opt) {
        xt::xtensor<double, 1> theta = start;
        return xoptim::fit(problem, opt, theta, options, xoptim::stop_on_divergence{});
    };
    struct entry
    {
        std::string name;
        xoptim::fit_result result;
    };
    const std::vector<entry> runs = {
        {"sgd", run(xoptim::sgd({.lr = lr}))},           {"momentum", run(xoptim::momentum({.lr = lr}))},
        {"nesterov", run(xoptim::nesterov({.lr = lr}))}, {"adam", run(xoptim::adam({.lr = lr}))},
        {"amsgrad", run(xoptim::amsgrad({.lr = lr}))},   {"adamw", run(xoptim::adamw({.lr = lr}))},
        {"lamb", run(xoptim::lamb({.lr = lr}))},         {"lars", run(xoptim::lars({.lr = lr}))},
        {"rmsprop", run(xoptim::rmsprop({.lr = lr}))},   {"adagrad", run(xoptim::adagrad({.lr = lr}))},
        {"lion", run(xoptim::lion({.lr = lr}))},         {"nadam", run(xoptim::nadam({.lr = lr}))},
        {"radam", run(xoptim::radam({.lr = lr}))},       {"adamax", run(xoptim::adamax({.lr = lr}))},
        {"adadelta", run(xoptim::adadelta({.lr = lr}))}, {"rprop", run(xoptim::rprop({.lr = lr}))},
        {"asgd", run(xoptim::asgd({.lr = lr}))},
    };

    const double start_loss = problem.value(start);
    std::printf("seed line: 100 points, RMSE, lr %g, %zu steps from (%g, %g)\n", lr, options.epochs, start(0),
                start(1));
    std::printf("least squares: theta0 = %.6f, theta1 = %.6f, RMSE there = %.6f\n\n", best(0), best(1),
                problem.value(best));
    std::printf("%-10s %14s %12s %12s %16s\n", "optimizer", "final loss", "theta0", "theta1", "distance to LS");
    int failures = 0;
    for (const auto& [name, result] : runs)
    {
        const auto& last = result.last();
        const double distance = std::hypot(last.theta(0) - best(0), last.theta(1) - best(1));
        std::printf("%-10s %14.6f %12.6f %12.6f %16.6f%s\n", name.c_str(), last.loss, last.theta(0), last.theta(1),
                    distance, result.reason == xoptim::stop_reason::completed ? "" : "  (stopped early)");
        // Every optimizer here must have made progress and stayed finite.
        if (result.reason != xoptim::stop_reason::completed || !(last.loss < start_loss))
        {
            std::fprintf(stderr, "%s: no progress (%s: %s)\n", name.c_str(),
                         std::string(xoptim::to_string(result.reason)).c_str(), result.message.c_str());
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}
