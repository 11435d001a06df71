#pragma once
// Weight decay around an adaptive rule R: coupled, u <- u + wd w into R (L2, PyTorch's weight_decay), or decoupled,
// out <- R(u) + wd w, scaled by the rate after it (PyTorch 2.x's decoupled_weight_decay; Loshchilov & Hutter 2019).

#include <cstddef>
#include <string_view>
#include <tuple>

#include "../core/hyperparameters.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/update_rule.hpp"

namespace xoptim
{
    // R's hyperparameters keep their names (beta1, not inner.beta1): the rule is R with two more.
    template <class R>
    struct with_weight_decay : R
    {
        static constexpr std::string_view name = R::name;
        double weight_decay = 0.0;
        bool decoupled_weight_decay = false;

        // Not an aggregate (R's members and these two could not be brace-initialised together):
        // set the members by name.
        with_weight_decay() = default;

        template <class V>
        struct coefficients_type
        {
            coefficients_t<R, V> inner;
            V wd;
            bool coupled;    // add wd w to the input
            bool decoupled;  // add wd w to the output
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const bool active = weight_decay != 0.0;
            return {R::template coefficients<V>(s), static_cast<V>(weight_decay), active && !decoupled_weight_decay,
                    active && decoupled_weight_decay};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T out = R::apply(c.inner, w, c.coupled ? u + c.wd * w : u, state);
            return c.decoupled ? out + c.wd * w : out;
        }

        // R's output recomputed from its state (for a place before a reduction), if R has one.
        template <element T>
        requires requires(const R& r, const coefficients_t<R, scalar_t<T>>& c, const T& x,
                          const slot_view<scalar_t<T>>& state)
        {
            r.replay(c, x, x, state);
        }
        T replay(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u,
                 const slot_view<scalar_t<T>>& state) const
        {
            const T out = R::replay(c.inner, w, c.coupled ? u + c.wd * w : u, state);
            return c.decoupled ? out + c.wd * w : out;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple_cat(std::tuple{param("weight_decay", &with_weight_decay::weight_decay,
                                                   constraints::non_negative, "weight decay factor")},
                                  R::hyperparameters(),
                                  std::tuple{param("decoupled_weight_decay", &with_weight_decay::decoupled_weight_decay,
                                                   constraints::none,
                                                   "decay the weights by lr * weight_decay (AdamW) instead of adding "
                                                   "weight_decay * theta to the gradient")});
        }
    };
}
