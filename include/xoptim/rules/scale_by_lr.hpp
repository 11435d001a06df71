#pragma once
// u <- lr_t * u, with lr_t = schedule(t - 1) computed once per step.
// The step size of gradient descent (Cauchy 1847; Robbins & Monro 1951 for the stochastic form).

#include <cstddef>
#include <string_view>

#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../schedules.hpp"

namespace xoptim
{
    template <schedule S = double>
    struct scale_by_lr
    {
        static constexpr std::string_view name = "scale_by_lr";
        S lr{};

        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V lr;
        };

        double learning_rate(const step_info& s) const { return rate_at(lr, s.step - 1); }

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            return {static_cast<V>(learning_rate(s))};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u, const slot_view<scalar_t<T>>&) const
        {
            return c.lr * u;
        }

        void validate() const { detail::validate_schedule(lr, "scale_by_lr"); }
    };

    template <schedule S>
    scale_by_lr(S) -> scale_by_lr<S>;
}
