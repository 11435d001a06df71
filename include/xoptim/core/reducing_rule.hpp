#pragma once
// The reducing_rule concept: an update rule that first needs per-tensor sums (norms) of its
// input and of the parameter. The engine makes one pass to accumulate them, then applies.

#include <concepts>
#include <cstddef>
#include <type_traits>

#include "update_rule.hpp"

namespace xoptim
{
    // The steps a reducing rule adds to an update rule.

    // The number of per-tensor sums it needs.
    template <class R>
    concept has_reductions = requires {
        { R::reductions } -> std::convertible_to<std::size_t>;
    };

    // Pass 1: accumulate(c, w, u, acc) adds to its running sums acc[k] (of type T).
    template <class R, class T>
    concept accumulates = element<T> && has_coefficients<R, scalar_t<T>>
        && requires(const R& r, const coefficients_t<R, scalar_t<T>>& c, const T& w, const T& u, T* acc) {
               r.accumulate(c, w, u, acc);
           };

    // Between passes: finish(c, sums) turns the per-tensor sums (double) into coefficients.
    template <class R, class V>
    concept finishes = has_coefficients<R, V> && requires(const R& r, coefficients_t<R, V>& c, const double* sums) {
        r.finish(c, sums);
    };

    // An update rule that first needs per-tensor sums (norms) of its input and of the
    // parameter; pass 2 applies it as any rule, with the finished coefficients.
    template <class R, class T>
    concept reducing_rule = update_rule<R, T> && has_reductions<R> && accumulates<R, T> && finishes<R, scalar_t<T>>;

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
        // What the reducing steps are asked of for a rule that declares no reductions: a rule
        // that reduces nothing.
        struct reduces_nothing
        {
            static constexpr std::size_t reductions = 0;
            template <class V>
            struct coefficients_type
            {
            };
            template <class V>
            coefficients_type<V> coefficients(const step_info&) const { return {}; }
            template <element T>
            void accumulate(const coefficients_type<scalar_t<T>>&, const T&, const T&, T*) const {}
            template <class V>
            void finish(coefficients_type<V>&, const double*) const {}
        };

        // A link that needs sums before it applies. A one-pass chain nested in a chain declares
        // reductions too, none: it is an elementwise link.
        template <class R>
        inline constexpr bool is_reducing = [] {
            if constexpr (has_reductions<R>) { return std::size_t(R::reductions) > 0; }
            else { return false; }
        }();

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

        // The rule whose reducing steps a link is asked for: the link itself if it reduces.
        template <class R>
        using declared_reducer_t = std::conditional_t<is_reducing<R>, R, reduces_nothing>;
    }

    // A rule that declares reductions accumulates and finishes them on T; one that declares
    // none is asked nothing more (written without `||`, so that a failure names its step).
    template <class R, class T>
    concept reduces_as_declared = accumulates<detail::declared_reducer_t<R>, T>
        && finishes<detail::declared_reducer_t<R>, scalar_t<T>>;
}
