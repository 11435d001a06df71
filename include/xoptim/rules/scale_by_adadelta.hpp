#pragma once
// v <- rho v + (1-rho) u^2; d = sqrt(a + eps) / sqrt(v + eps) * u; a <- rho a + (1-rho) d^2; out = d
// (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method", Algorithm 1).

#include <cstddef>
#include <string_view>

#include "../core/finite.hpp"
#include "../core/hyperparameters.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    struct scale_by_adadelta
    {
        static constexpr std::string_view name = "scale_by_adadelta";
        double rho = 0.9;
        double eps = 1e-6;

        // the mean square of the gradients, and of the updates
        static constexpr std::size_t max_slots = 2;
        std::size_t slots() const noexcept { return 2; }

        template <class V>
        struct coefficients_type
        {
            V rho, one_minus_rho, eps;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {static_cast<V>(rho), static_cast<V>(1.0 - rho), detail::positive_as<V>(eps)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T v = c.rho * state.template load<T>(0) + c.one_minus_rho * (u * u);
            const T a = state.template load<T>(1);
            const T d = math::sqrt(a + c.eps) / math::sqrt(v + c.eps) * u;
            state.store(0, v);
            state.store(1, c.rho * a + c.one_minus_rho * (d * d));
            return d;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("rho", &scale_by_adadelta::rho, constraints::closed_unit_interval,
                      "decay of the squared-gradient and squared-update averages"),
                param("eps", &scale_by_adadelta::eps, constraints::positive, "term added inside both square roots")};
        }
    };
}
