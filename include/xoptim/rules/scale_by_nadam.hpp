#pragma once
// mu_t = b1 (1 - 0.5 * 0.96^(t psi)); m, v as Adam; out = ((1-mu_t)/(1-prod_{i<=t} mu_i) u + mu_{t+1}/(1-prod_{i<=t+1} mu_i) m)
// / (sqrt(v / (1-b2^t)) + eps) (Dozat 2016, "Incorporating Nesterov Momentum into Adam"; PyTorch's NAdam, psi = momentum_decay).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../core/finite.hpp"
#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    struct scale_by_nadam
    {
        static constexpr std::string_view name = "scale_by_nadam";
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double momentum_decay = 4e-3;

        // m and v, as Adam's
        static constexpr std::size_t max_slots = 2;
        std::size_t slots() const noexcept { return 2; }

        template <class V>
        struct coefficients_type
        {
            V b1, one_minus_b1, b2, one_minus_b2;
            V inv_bias2;        // 1 / (1 - b2^t)
            V grad_weight;      // (1 - mu_t) / (1 - prod_{i<=t} mu_i)
            V momentum_weight;  // mu_{t+1} / (1 - prod_{i<=t+1} mu_i)
            V eps;
        };

        // The momentum coefficient mu_t of step t.
        double mu(std::uint64_t t) const
        {
            return beta1 * (1.0 - 0.5 * math::pow(0.96, static_cast<double>(t) * momentum_decay));
        }

        // prod_{i<=t} mu_i, multiplied in step order as PyTorch's per-parameter mu_product is.
        // It depends on the step and on beta1 and momentum_decay only, so it is not state: a
        // memo of the last product makes it one multiplication per step, and a resumed or
        // copied optimizer computes the same bits from scratch.
        double mu_product(std::uint64_t t) const
        {
            if (m_memo.beta1 != beta1 || m_memo.momentum_decay != momentum_decay || m_memo.step > t)
            {
                m_memo = {beta1, momentum_decay, 0, 1.0};
            }
            double p = m_memo.product;
            for (std::uint64_t i = m_memo.step + 1; i <= t; ++i) { p *= mu(i); }
            m_memo.step = t;
            m_memo.product = p;
            return p;
        }

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double t = static_cast<double>(s.step);
            const double mu_t = mu(s.step), mu_next = mu(s.step + 1);
            const double product = mu_product(s.step);
            return {static_cast<V>(beta1),
                    static_cast<V>(1.0 - beta1),
                    static_cast<V>(beta2),
                    static_cast<V>(1.0 - beta2),
                    static_cast<V>(1.0 / (1.0 - math::pow(beta2, t))),
                    static_cast<V>((1.0 - mu_t) / (1.0 - product)),
                    static_cast<V>(mu_next / (1.0 - product * mu_next)),
                    detail::positive_as<V>(eps)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T m = c.b1 * state.template load<T>(0) + c.one_minus_b1 * u;
            const T v = c.b2 * state.template load<T>(1) + c.one_minus_b2 * (u * u);
            state.store(0, m);
            state.store(1, v);
            return (c.grad_weight * u + c.momentum_weight * m) / (math::sqrt(v * c.inv_bias2) + c.eps);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("beta1", &scale_by_nadam::beta1, constraints::unit_interval, "first-moment decay"),
                param("beta2", &scale_by_nadam::beta2, constraints::unit_interval, "second-moment decay"),
                param("eps", &scale_by_nadam::eps, constraints::positive, "term added to the denominator"),
                param("momentum_decay", &scale_by_nadam::momentum_decay, constraints::non_negative,
                      "psi of the momentum schedule mu_t = beta1 (1 - 0.5 * 0.96^(t psi))")};
        }

    private:
        struct memo
        {
            double beta1 = -1.0;
            double momentum_decay = -1.0;
            std::uint64_t step = 0;
            double product = 1.0;
        };
        mutable memo m_memo{};
    };
}
