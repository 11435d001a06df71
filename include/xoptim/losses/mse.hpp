#pragma once
// Mean squared error: L = (1/n) sum_i (p_i - y_i)^2,  dL/dp_i = 2 (p_i - y_i) / n.

#include <xoptim/losses/loss.hpp>

namespace xoptim
{

    struct mse
    {
        static constexpr std::string_view name = "mse";

        template <class P, class Y>
        double value(const P& pred, const Y& y) const
        {
            const std::size_t n = detail::check_loss_operands(pred, y);
            return detail::sum_of_squares(pred, y, n) / static_cast<double>(n);
        }

        template <class P, class Y, class G>
        void gradient(const P& pred, const Y& y, G& g) const
        {
            const std::size_t n = detail::check_loss_operands(pred, y);
            detail::prepare_gradient(g, n);
            const double scale = 2.0 / static_cast<double>(n);
            for (std::size_t i = 0; i < n; ++i)
            {
                g(i) = scale * (static_cast<double>(pred(i)) - static_cast<double>(y(i)));
            }
        }

        friend bool operator==(const mse&, const mse&) = default;
    };

    static_assert(loss<mse>);

}  // namespace xoptim
