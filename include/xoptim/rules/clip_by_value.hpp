#pragma once
// Elementwise clipping: out = clamp(u, -max_value, max_value)
// (PyTorch clip_grad_value_; Mikolov 2012, PhD thesis, Sec. 3.2.2).

#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct clip_by_value
    {
        static constexpr std::string_view name = "clip_by_value";
        double max_value = 1.0;

        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V lo, hi;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {static_cast<V>(-max_value), static_cast<V>(max_value)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u, const slot_view<scalar_t<T>>&) const
        {
            return math::clamp(u, T(c.lo), T(c.hi));
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("max_value", &clip_by_value::max_value, constraints::positive,
                                    "largest magnitude of an element of the update")};
        }
    };
}
