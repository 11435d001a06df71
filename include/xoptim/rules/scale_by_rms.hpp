#pragma once
// RMSprop: v <- a v + (1-a) u^2; centred: m <- a m + (1-a) u, out = u / (sqrt(v - m^2) + eps), else u / (sqrt(v) + eps)
// (Hinton, Coursera lecture 6e, 2012; centred form: Graves 2013, "Generating Sequences With Recurrent Neural Networks").

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
    struct scale_by_rms
    {
        static constexpr std::string_view name = "scale_by_rms";
        double alpha = 0.99;
        double eps = 1e-8;
        bool centered = false;

        // the mean square, and the mean when centred
        static constexpr std::size_t max_slots = 2;
        std::size_t slots() const noexcept { return centered ? 2 : 1; }

        template <class V>
        struct coefficients_type
        {
            V a, one_minus_a, eps;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {static_cast<V>(alpha), static_cast<V>(1.0 - alpha), detail::positive_as<V>(eps)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T v = c.a * state.template load<T>(0) + c.one_minus_a * (u * u);
            state.store(0, v);
            if (centered)
            {
                const T m = c.a * state.template load<T>(1) + c.one_minus_a * u;
                state.store(1, m);
                return u / (math::sqrt(v - m * m) + c.eps);
            }
            return u / (math::sqrt(v) + c.eps);
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                 const slot_view<scalar_t<T>>& state) const
        {
            const T v = state.template load<T>(0);
            if (centered)
            {
                const T m = state.template load<T>(1);
                return u / (math::sqrt(v - m * m) + c.eps);
            }
            return u / (math::sqrt(v) + c.eps);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("alpha", &scale_by_rms::alpha, constraints::closed_unit_interval,
                      "smoothing constant of the squared-gradient average"),
                param("eps", &scale_by_rms::eps, constraints::positive, "term added to the denominator"),
                param("centered", &scale_by_rms::centered, constraints::none, "divide by the centred second moment")};
        }
    };
}
