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
    using coefficients_t =
        decltype(std::declval<const R&>().template coefficients<V>(std::declval<const step_info&>()));

    // The steps an update rule is made of, each named so that a compiler's "constraints not
    // satisfied" names the one a rule misses.

    // The most slots of state the rule may use, known at compile time.
    template <class R>
    concept has_max_slots = requires
    {
        {
            R::max_slots
            } -> std::convertible_to<std::size_t>;
    };

    // The slots it uses with its hyperparameters (a run-time option may need fewer).
    template <class R>
    concept has_slot_count = requires(const R& r)
    {
        {
            r.slots()
            } -> std::convertible_to<std::size_t>;
    };

    // Its per-step scalars for scalar type V, computed once per step.
    template <class R, class V>
    concept has_coefficients = requires(const R& r, const step_info& s)
    {
        {
            r.template coefficients<V>(s)
            } -> std::copy_constructible;
    };

    // Its elementwise work on T: apply(coefficients, w, u, state) -> T.
    template <class R, class T>
    concept applies_to = element<T> && has_coefficients<R, scalar_t<T>> && requires(
        const R& r, const coefficients_t<R, scalar_t<T>>& c, const T& w, const T& u,
        const slot_view<scalar_t<T>>& state)
    {
        {
            r.apply(c, w, u, state)
            } -> std::same_as<T>;
    };

    // An update rule maps, element by element, an incoming direction `u` (the gradient for the
    // first rule of a chain) and the parameter `w` to an outgoing direction, reading and
    // writing at most `max_slots` slots of state. The engine applies `w -= u_last`.
    template <class R, class T>
    concept update_rule = std::semiregular<R> && element<T> && has_max_slots<R> && has_slot_count<
        R> && has_coefficients<R, scalar_t<T>> && applies_to<R, T>;

    // A rule whose output can be recomputed from its updated state, without changing it:
    // needed for rules that run before a per-tensor reduction (the second pass replays them).
    template <class R, class T>
    concept replayable_rule = update_rule<R, T> &&(R::max_slots == 0
                                                   || requires(const R& r, const step_info& s, const T& w, const T& u,
                                                               const slot_view<scalar_t<T>>& state) {
                                                          {
                                                              r.replay(r.template coefficients<scalar_t<T>>(s), w, u,
                                                                       state)
                                                              } -> std::same_as<T>;
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
