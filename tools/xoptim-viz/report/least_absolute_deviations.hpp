#pragma once
// The optimum of the mean absolute error of a straight line, the MAE map's reference point.

#include <vector>

#include <xoptim/losses/mae.hpp>
#include <xoptim/problems/linear_regression.hpp>

namespace xoptim_viz::report
{
    /// {intercept, slope} of a least-absolute-deviations line. Such a line passes through two of
    /// the data points, so the best line through a pair is the optimum (O(n^3): for the seed's
    /// 100 points, not for large data).
    std::vector<double> least_absolute_deviations(const xoptim::linear_regression<xoptim::mae>& p);
}
