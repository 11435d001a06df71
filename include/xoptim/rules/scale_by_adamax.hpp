#pragma once
// m <- b1 m + (1-b1) u; r <- max(b2 r, |u| + eps); out = (m / r) / (1 - b1^t): the infinity-norm
// variant of Adam (Kingma & Ba 2015, "Adam", section 7.1; PyTorch's Adamax adds eps inside the max).

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/finite.hpp"
#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    struct scale_by_adamax
    {
        static constexpr std::string_view name = "scale_by_adamax";
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;

        // m, and the exponentially weighted infinity norm r
        static constexpr std::size_t max_slots = 2;
        std::size_t slots() const noexcept { return 2; }

        template <class V>
        struct coefficients_type
        {
            V b1, one_minus_b1, b2, inv_bias1, eps;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double t = static_cast<double>(s.step);
            return {static_cast<V>(beta1), static_cast<V>(1.0 - beta1), static_cast<V>(beta2),
                    static_cast<V>(1.0 / (1.0 - math::pow(beta1, t))), detail::positive_as<V>(eps)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T m = c.b1 * state.template load<T>(0) + c.one_minus_b1 * u;
            // |u| + eps first: a NaN gradient then reaches r (as torch.amax propagates it).
            const T r = math::max(math::abs(u) + c.eps, c.b2 * state.template load<T>(1));
            state.store(0, m);
            state.store(1, r);
            return (m / r) * c.inv_bias1;
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T&, const slot_view<scalar_t<T>>& state) const
        {
            return (state.template load<T>(0) / state.template load<T>(1)) * c.inv_bias1;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("beta1", &scale_by_adamax::beta1, constraints::unit_interval, "first-moment decay"),
                param("beta2", &scale_by_adamax::beta2, constraints::unit_interval, "decay of the infinity norm"),
                param("eps", &scale_by_adamax::eps, constraints::positive,
                      "term added to |g| inside the infinity norm")};
        }
    };
}
