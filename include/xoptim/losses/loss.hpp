#pragma once
// The loss concept: a reduction of residuals over a set of samples (a mean), with its value
// and its gradient with respect to each prediction.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <xtensor/xtensor.hpp>

namespace xoptim
{

    /// A loss compares predictions `p` with targets `y` (both of n elements) and gives
    /// - `value(p, y)`: a scalar (xoptim's losses are means over the n samples), and
    /// - `gradient(p, y, g)`: writes d value / d p_i into `g` (n elements).
    /// Losses are plain value types holding their own parameters (e.g. Huber's delta).
    template <class L>
    concept loss = std::semiregular<L> && requires(const L& l, const xt::xtensor<double, 1>& p,
                                                   const xt::xtensor<double, 1>& y, xt::xtensor<double, 1>& g)
    {
        {
            l.value(p, y)
            } -> std::convertible_to<double>;
        {
            l.gradient(p, y, g)
            } -> std::same_as<void>;
    };

    namespace detail
    {

        /// Checks that prediction, target (and gradient output) agree in size and are not empty.
        /// Returns the number of samples.
        template <class P, class Y>
        std::size_t check_loss_operands(const P& pred, const Y& y)
        {
            if (pred.dimension() != 1 || y.dimension() != 1)
            {
                throw std::invalid_argument("prediction: expected 1-D predictions and targets, got "
                                            + std::to_string(pred.dimension()) + "-D and "
                                            + std::to_string(y.dimension()) + "-D");
            }
            if (pred.size() != y.size())
            {
                throw std::invalid_argument("prediction: size " + std::to_string(pred.size())
                                            + " does not match target size " + std::to_string(y.size()));
            }
            if (pred.size() == 0) { throw std::invalid_argument("prediction: size 0 (a mean over no samples)"); }
            return pred.size();
        }

        template <class G>
        void prepare_gradient(G& g, std::size_t n)
        {
            if (g.dimension() != 1 || g.size() != n)
            {
                if constexpr (requires { g.resize({n}); }) { g.resize({n}); }
                else
                {
                    throw std::invalid_argument("gradient: size " + std::to_string(g.size())
                                                + " does not match prediction size " + std::to_string(n));
                }
            }
        }

        /// Sum of squared residuals, in sample order.
        template <class P, class Y>
        double sum_of_squares(const P& pred, const Y& y, std::size_t n)
        {
            double s = 0.0;
            for (std::size_t i = 0; i < n; ++i)
            {
                const double r = static_cast<double>(pred(i)) - static_cast<double>(y(i));
                s += r * r;
            }
            return s;
        }

        constexpr double sign(double r) noexcept { return r > 0.0 ? 1.0 : (r < 0.0 ? -1.0 : 0.0); }

    }  // namespace detail
}  // namespace xoptim
