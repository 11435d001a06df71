#pragma once
// The update_rule concept: hyperparameters only, per-step coefficients computed once, and an
// elementwise `apply` generic in the value type. State lives in slots owned elsewhere.

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "hyperparameters.hpp"
#include "simd.hpp"
#include "slots.hpp"
#include "step_info.hpp"

namespace xoptim
{
    // The coefficients a rule computes once per step, for scalar type V.
    template <class R, class V>
    using coefficients_t = decltype(std::declval<const R&>().template coefficients<V>(std::declval<const step_info&>()));

    // An update rule maps, element by element, an incoming direction `u` (the gradient for the
    // first rule of a chain) and the parameter `w` to an outgoing direction, reading and
    // writing at most `max_slots` slots of state. The engine applies `w -= u_last`.
    template <class R, class T>
    concept update_rule = std::semiregular<R> && element<T>
        && requires(const R& r, const step_info& s, const T& w, const T& u, const slot_view<scalar_t<T>>& state) {
               { R::max_slots } -> std::convertible_to<std::size_t>;
               { r.slots() } -> std::convertible_to<std::size_t>;
               { r.template coefficients<scalar_t<T>>(s) } -> std::copy_constructible;
               { r.apply(r.template coefficients<scalar_t<T>>(s), w, u, state) } -> std::same_as<T>;
           };

    // A rule whose output can be recomputed from its updated state, without changing it:
    // needed for rules that run before a per-tensor reduction (the second pass replays them).
    template <class R, class T>
    concept replayable_rule = update_rule<R, T>
        && (R::max_slots == 0
            || requires(const R& r, const step_info& s, const T& w, const T& u, const slot_view<scalar_t<T>>& state) {
                   { r.replay(r.template coefficients<scalar_t<T>>(s), w, u, state) } -> std::same_as<T>;
               });

    namespace detail
    {
        // A rule's hyperparameters are checked from its declaration (core/hyperparameters.hpp);
        // relations between them, by `check_relations(owner)`; a rule may also check itself in
        // `validate()`.
        template <class V, class R>
        void validate_rule(const R& r, std::string_view owner)
        {
            std::string_view who = owner;
            if constexpr (requires { R::name; })
            {
                if (who.empty()) { who = R::name; }
            }
            if (who.empty()) { who = "xoptim rule"; }
            if constexpr (declares_hyperparameters<R>) { check_declared<V>(r, who); }
            if constexpr (requires { r.check_relations(who); }) { r.check_relations(who); }
            if constexpr (requires { r.validate(); }) { r.validate(); }
        }
    }
}
