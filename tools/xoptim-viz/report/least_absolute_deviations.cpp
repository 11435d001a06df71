#include "least_absolute_deviations.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

namespace xoptim_viz::report
{
    std::vector<double> least_absolute_deviations(const xoptim::linear_regression<xoptim::mae>& p)
    {
        const auto& x = p.x();
        const auto& y = p.y();
        const std::size_t n = p.size();
        std::vector<double> best{0.0, 0.0};
        double best_value = std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < n; ++i)
        {
            for (std::size_t j = i + 1; j < n; ++j)
            {
                const double dx = x(j, 0) - x(i, 0);
                if (dx == 0.0) { continue; }
                const double slope = (y(j) - y(i)) / dx;
                const double intercept = y(i) - slope * x(i, 0);
                double sum = 0.0;
                for (std::size_t k = 0; k < n; ++k) { sum += std::abs(y(k) - intercept - slope * x(k, 0)); }
                if (sum < best_value)
                {
                    best_value = sum;
                    best = {intercept, slope};
                }
            }
        }
        return best;
    }
}
