#pragma once
// Mean absolute error: L = (1/n) sum_i |p_i - y_i|,  dL/dp_i = sign(p_i - y_i) / n
// with sign(0) = 0 (PyTorch's subgradient of |r| at 0).

#include <xoptim/losses/loss.hpp>

namespace xoptim
{

    struct mae
    {
        static constexpr std::string_view name = "mae";

        template <class P, class Y>
        double value(const P& pred, const Y& y) const
        {
            const std::size_t n = detail::check_loss_operands(pred, y);
            double s = 0.0;
            for (std::size_t i = 0; i < n; ++i)
            {
                s += std::abs(static_cast<double>(pred(i)) - static_cast<double>(y(i)));
            }
            return s / static_cast<double>(n);
        }

        template <class P, class Y, class G>
        void gradient(const P& pred, const Y& y, G& g) const
        {
            const std::size_t n = detail::check_loss_operands(pred, y);
            detail::prepare_gradient(g, n);
            const double scale = 1.0 / static_cast<double>(n);
            for (std::size_t i = 0; i < n; ++i)
            {
                g(i) = scale * detail::sign(static_cast<double>(pred(i)) - static_cast<double>(y(i)));
            }
        }

        friend bool operator==(const mae&, const mae&) = default;
    };

    static_assert(loss<mae>);

}  // namespace xoptim
