#pragma once
// Running numbers a rule keeps per parameter group, besides the per-element slots of each tensor:
// advanced once per step, before the step's coefficients are made from them (the schedule-free
// average's largest rate so far and its sum of weights).

#include <concepts>
#include <string_view>
#include <utility>

#include "slots.hpp"
#include "step_info.hpp"

namespace xoptim
{
    // A rule that keeps group state: R::group_state, a regular struct of numbers that lists them by
    // name (each(state, f) calls f(name, member&) for every member, for checkpoints), the state
    // after a step, r.advanced(state, s), and the coefficients of step s made from that advanced
    // state, r.coefficients<V>(s, state). Its plain coefficients<V>(s) (what update_rule asks)
    // must give what a group whose hyperparameters never changed holds at step s.
    template <class R>
    concept keeps_group_state = requires
    {
        typename R::group_state;
    }
    &&std::regular<typename R::group_state>&& requires(const R& r, typename R::group_state& gs, const step_info& s)
    {
        {
            r.advanced(std::as_const(gs), s)
            } -> std::same_as<typename R::group_state>;
        r.template coefficients<float>(s, std::as_const(gs));
        r.template coefficients<double>(s, std::as_const(gs));
        R::group_state::each(gs, [](std::string_view, auto&) {});
    };

    // A rule with group state that also has an evaluation mode (schedule-free): its group state
    // has `train_mode`, and to_eval / to_train map a parameter element between the point where
    // gradients are taken (train) and the point a user evaluates (eval), from its slots.
    template <class R>
    concept switches_mode = keeps_group_state<R> && requires(const R& r, typename R::group_state& gs, double w,
                                                             const slot_view<double>& state)
    {
        {
            gs.train_mode
            } -> std::convertible_to<bool>;
        {
            r.to_eval(w, state)
            } -> std::same_as<double>;
        {
            r.to_train(w, state)
            } -> std::same_as<double>;
    };

    namespace detail
    {
        // The group state of a chain none of whose links keeps one.
        struct no_group_state
        {
            bool operator==(const no_group_state&) const = default;
            template <class Self, class F>
            static void each(Self&, F&&)
            {}
        };
    }
}
