#pragma once
// Adagrad: s <- s + u^2 (s starts at initial_accumulator_value); out = u / (sqrt(s) + eps)
// (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization").

#include <cstddef>
#include <string_view>

#include "../core/finite.hpp"
#include "../core/hyperparameters.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct scale_by_rss
    {
        static constexpr std::string_view name = "scale_by_rss";
        double eps = 1e-10;
        double initial_accumulator_value = 0.0;

        static constexpr std::size_t max_slots = 1;
        std::size_t slots() const noexcept { return 1; }
        double initial_value(std::size_t) const noexcept { return initial_accumulator_value; }

        template <class V>
        struct coefficients_type
        {
            V eps;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {detail::positive_as<V>(eps)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T s = state.template load<T>(0) + u * u;
            state.store(0, s);
            return u / (math::sqrt(s) + c.eps);
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                 const slot_view<scalar_t<T>>& state) const
        {
            return u / (math::sqrt(state.template load<T>(0)) + c.eps);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("eps", &scale_by_rss::eps, constraints::positive, "term added to the denominator"),
                              param("initial_accumulator_value", &scale_by_rss::initial_accumulator_value,
                                    constraints::non_negative, "starting sum of squared gradients")};
        }
    };
}
