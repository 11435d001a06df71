#pragma once
// Root mean squared error: L = sqrt((1/n) sum_i (p_i - y_i)^2),
// dL/dp_i = (p_i - y_i) / (n L), defined as 0 when L = 0 (every residual is zero).

#include <xoptim/losses/loss.hpp>

namespace xoptim
{

    struct rmse
    {
        static constexpr std::string_view name = "rmse";

        template <class P, class Y>
        double value(const P& pred, const Y& y) const
        {
            const std::size_t n = detail::check_loss_operands(pred, y);
            return std::sqrt(detail::sum_of_squares(pred, y, n) / static_cast<double>(n));
        }

        template <class P, class Y, class G>
        void gradient(const P& pred, const Y& y, G& g) const
        {
            const std::size_t n = detail::check_loss_operands(pred, y);
            detail::prepare_gradient(g, n);
            const double l = std::sqrt(detail::sum_of_squares(pred, y, n) / static_cast<double>(n));
            // At L = 0 the square root has no derivative; every residual is 0 there, so 0 is the
            // subgradient that keeps the parameters where they are.
            const double scale = l > 0.0 ? 1.0 / (static_cast<double>(n) * l) : 0.0;
            for (std::size_t i = 0; i < n; ++i)
            {
                g(i) = scale * (static_cast<double>(pred(i)) - static_cast<double>(y(i)));
            }
        }

        friend bool operator==(const rmse&, const rmse&) = default;
    };

    static_assert(loss<rmse>);

}  // namespace xoptim
