#pragma once
// Exponentially weighted moving average b <- mu b + (1 - mu) u from b = 0; out = b, or b / (1 - mu^t)
// when debiased (the seed notebook's averaged momentum; Kingma & Ba 2015, Sec. 3, for the debiasing).

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct ewma
    {
        static constexpr std::string_view name = "ewma";
        double decay = 0.9;
        bool debias = false;

        static constexpr std::size_t max_slots = 1;
        static constexpr bool replay_ignores_input = true;
        std::size_t slots() const noexcept { return 1; }

        template <class V>
        struct coefficients_type
        {
            V mu, one_minus_mu, correction;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double corr = debias ? 1.0 / (1.0 - math::pow(decay, static_cast<double>(s.step))) : 1.0;
            return {static_cast<V>(decay), static_cast<V>(1.0 - decay), static_cast<V>(corr)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T b = c.mu * state.template load<T>(0) + c.one_minus_mu * u;
            state.store(0, b);
            return debias ? b * c.correction : b;
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T&, const slot_view<scalar_t<T>>& state) const
        {
            const T b = state.template load<T>(0);
            return debias ? b * c.correction : b;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("decay", &ewma::decay, constraints::unit_interval, "weight of the old average"),
                              param("debias", &ewma::debias, constraints::none, "divide by 1 - decay^t")};
        }
    };
}
