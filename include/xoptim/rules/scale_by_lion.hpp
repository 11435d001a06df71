#pragma once
// Lion: out = sign(b1 m + (1-b1) u); then m <- b2 m + (1-b2) u
// (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Program 1).

#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct scale_by_lion
    {
        static constexpr std::string_view name = "scale_by_lion";
        double beta1 = 0.9;
        double beta2 = 0.99;

        static constexpr std::size_t max_slots = 1;
        std::size_t slots() const noexcept { return 1; }

        template <class V>
        struct coefficients_type
        {
            V b1, one_minus_b1, b2, one_minus_b2;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {static_cast<V>(beta1), static_cast<V>(1.0 - beta1), static_cast<V>(beta2),
                    static_cast<V>(1.0 - beta2)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T m = state.template load<T>(0);
            state.store(0, c.b2 * m + c.one_minus_b2 * u);
            return math::sign(c.b1 * m + c.one_minus_b1 * u);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("beta1", &scale_by_lion::beta1, constraints::unit_interval,
                      "weight of the momentum in the update's sign"),
                param("beta2", &scale_by_lion::beta2, constraints::unit_interval, "decay of the momentum")};
        }
    };
}
