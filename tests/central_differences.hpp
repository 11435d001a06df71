#pragma once
// Test support: the gradient of f at theta by central differences, (f(theta + h e_i) -
// f(theta - h e_i)) / 2h for each coordinate i: the independent check of analytic gradients.

#include <cstddef>

#include <xtensor/xtensor.hpp>

namespace xoptim_test
{
    template <class F>
    xt::xtensor<double, 1> central_differences(F f, xt::xtensor<double, 1> theta, double h = 1e-6)
    {
        xt::xtensor<double, 1> g = xt::zeros<double>({theta.size()});
        for (std::size_t i = 0; i < theta.size(); ++i)
        {
            const double t = theta(i);
            theta(i) = t + h;
            const double up = f(theta);
            theta(i) = t - h;
            const double down = f(theta);
            theta(i) = t;
            g(i) = (up - down) / (2.0 * h);
        }
        return g;
    }
}
