// Runs a few optimizers on each 2-D test function from its suggested start and reports where
// they end: the final point and value, and the nearest known minimum.

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <variant>

#include <xoptim/fit.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/test_functions.hpp>

namespace
{

    template <class F>
    double distance_to_nearest_minimum(const F& f, const xt::xtensor<double, 1>& p)
    {
        double best = std::numeric_limits<double>::infinity();
        for (const auto& m : f.minima()) { best = std::min(best, std::hypot(p(0) - m.x, p(1) - m.y)); }
        return best;
    }

    template <class F, class O>
    double report(const F& f, const char* name, O opt)
    {
        const auto s = f.start();
        xt::xtensor<double, 1> theta = {s[0], s[1]};
        const auto result = xoptim::fit(f, opt, theta, {.epochs = 2000}, xoptim::stop_on_divergence{});
        const auto& last = result.last();
        std::printf("  %-9s -> (%9.5f, %9.5f)  f = %-12.6g  nearest minimum at %.3g%s\n", name, last.theta(0),
                    last.theta(1), last.loss, distance_to_nearest_minimum(f, last.theta),
                    result.reason == xoptim::stop_reason::completed
                        ? ""
                        : ("  [" + std::string(xoptim::to_string(result.reason)) + "]").c_str());
        return last.loss;
    }

}  // namespace

int main()
{
    int failures = 0;
    for (const auto name : xoptim::test_function_names)
    {
        std::visit(
            [&](const auto& f) {
                const auto s = f.start();
                std::printf("%s from (%g, %g), 2000 steps:\n", std::string(name).c_str(), s[0], s[1]);
                report(f, "sgd", xoptim::sgd({.lr = 1e-3}));
                report(f, "momentum", xoptim::momentum({.lr = 1e-3, .momentum = 0.9}));
                report(f, "rmsprop", xoptim::rmsprop({.lr = 1e-2}));
                const double adam_loss = report(f, "adam", xoptim::adam({.lr = 2e-2}));
                report(f, "lion", xoptim::lion({.lr = 2e-3}));
                // Adam gets within 0.01 of the lowest value of every function but Rastrigin,
                // whose maze of local minima holds every optimizer here.
                if (name != "rastrigin" && !(adam_loss < f.minima().front().value + 1e-2))
                {
                    std::fprintf(stderr, "%s: adam did not reach a minimum\n", std::string(name).c_str());
                    ++failures;
                }
            },
            *xoptim::make_test_function(name));
    }
    return failures == 0 ? 0 : 1;
}
