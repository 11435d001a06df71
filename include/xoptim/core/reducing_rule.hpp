#pragma once
// The reducing_rule concept: an update rule that first needs per-tensor sums (norms) of its
// input and of the parameter. The engine makes one pass to accumulate them, then applies.

#include <concepts>
#include <cstddef>

#include "update_rule.hpp"

namespace xoptim
{
    // Pass 1: `accumulate(c, w, u, acc)` adds to `reductions` running sums (acc[k] of type T).
    // Between passes: `finish(c, sums)` turns the per-tensor sums (double) into coefficients.
    // Pass 2: `apply(c, w, u, state)` as for any rule, with the finished coefficients.
    template <class R, class T>
    concept reducing_rule = update_rule<R, T>
        && requires(const R& r, const step_info& s, const T& w, const T& u, T* acc, const double* sums) {
               { R::reductions } -> std::convertible_to<std::size_t>;
               r.accumulate(r.template coefficients<scalar_t<T>>(s), w, u, acc);
               r.finish(std::declval<coefficients_t<R, scalar_t<T>>&>(), sums);
           };

    // Where a reducing rule's sums are taken: over each tensor alone (LAMB's trust ratio, the
    // default), or over every tensor of the group a step updates (global-norm clipping), which
    // a rule says with `static constexpr reduction_scope scope = reduction_scope::group`.
    enum class reduction_scope
    {
        tensor,
        group,
    };

    namespace detail
    {
        template <class R>
        inline constexpr bool is_reducing = requires { R::reductions; };

        template <class R>
        constexpr bool has_group_scope()
        {
            if constexpr (requires { R::scope; }) { return R::scope == reduction_scope::group; }
            else { return false; }
        }

        template <class R>
        inline constexpr std::size_t reductions_of = [] {
            if constexpr (is_reducing<R>) { return std::size_t(R::reductions); }
            else { return std::size_t(0); }
        }();
    }
}
