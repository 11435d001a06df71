#pragma once
// Weight decay u <- u + wd * w. First in a chain it is coupled L2 decay (PyTorch's SGD/Adam `weight_decay`);
// after an adaptive scaling it is decoupled (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization").

#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct add_decayed_weights
    {
        static constexpr std::string_view name = "add_decayed_weights";
        double weight_decay = 0.0;

        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V wd;
            bool active;  // weight_decay != 0
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {static_cast<V>(weight_decay), weight_decay != 0.0};
        }

        // Without decay the direction does not depend on w at all (as in PyTorch, which skips
        // the term): an infinite parameter stays infinite instead of turning into 0 * inf, and
        // the new parameter waits on one subtraction from the old, not on the whole rule.
        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u, const slot_view<scalar_t<T>>&) const
        {
            if (!c.active) { return u; }
            return u + c.wd * w;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("weight_decay", &add_decayed_weights::weight_decay, constraints::non_negative,
                                    "weight decay factor")};
        }
    };

    // The same rule placed before the adaptive scaling: coupled (L2) weight decay, g + wd * w.
    using add_weight_decay = add_decayed_weights;
}
