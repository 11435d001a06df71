#pragma once
// Huber loss (PyTorch's HuberLoss, mean reduction), r = p - y:
// L = (1/n) sum_i h(r_i),  h(r) = r^2 / 2 if |r| <= delta, else delta (|r| - delta / 2);
// dL/dp_i = clamp(r_i, -delta, delta) / n.

#include <xoptim/losses/loss.hpp>

#include <algorithm>
#include <sstream>

namespace xoptim
{

    class huber
    {
    public:
        static constexpr std::string_view name = "huber";

        /// `delta` > 0: the residual size where the loss turns from quadratic to linear.
        explicit huber(double delta = 1.0) : m_delta(delta)
        {
            if (!(delta > 0.0) || !std::isfinite(delta))
            {
                std::ostringstream msg;
                msg << "delta: must be positive and finite, got " << delta;
                throw std::invalid_argument(msg.str());
            }
        }

        double delta() const noexcept { return m_delta; }

        template <class P, class Y>
        double value(const P& pred, const Y& y) const
        {
            const std::size_t n = detail::check_loss_operands(pred, y);
            double s = 0.0;
            for (std::size_t i = 0; i < n; ++i)
            {
                const double a = std::abs(static_cast<double>(pred(i)) - static_cast<double>(y(i)));
                s += a <= m_delta ? 0.5 * a * a : m_delta * (a - 0.5 * m_delta);
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
                const double r = static_cast<double>(pred(i)) - static_cast<double>(y(i));
                g(i) = scale * std::clamp(r, -m_delta, m_delta);
            }
        }

        friend bool operator==(const huber&, const huber&) = default;

    private:
        double m_delta;
    };

    static_assert(loss<huber>);

}  // namespace xoptim
