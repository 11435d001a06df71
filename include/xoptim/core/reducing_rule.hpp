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
    concept has_reductions = requires
    {
        {
            R::reductions
            } -> std::convertible_to<std::size_t>;
    };

    // Pass 1: accumulate(c, w, u, acc) adds to its running sums acc[k] (of type T).
    template <class R, class T>
    concept accumulates_sums = element<T> && has_coefficients<R, scalar_t<T>> && requires(
        const R& r, const coefficients_t<R, scalar_t<T>>& c, const T& w, const T& u, T* acc)
    {
        r.accumulate(c, w, u, acc);
    };

    // Or accumulate(c, w, u, acc, state), which may also write its own slots: a factored rule
    // adds its column sums into a per-column slot, and updates a per-element one on a vector.
    template <class R, class T>
    concept accumulates_into_state = element<T> && has_coefficients<R, scalar_t<T>> && requires(
        const R& r, const coefficients_t<R, scalar_t<T>>& c, const T& w, const T& u, T* acc,
        const slot_view<scalar_t<T>>& state)
    {
        r.accumulate(c, w, u, acc, state);
    };

    // Between passes: finish(c, sums) turns the per-tensor sums (double) into coefficients;
    // finish(c, sums, geometry) also sees the tensor's size and shape (tensor_geometry).
    template <class R, class V>
    concept finishes_sums = has_coefficients<R, V> && requires(const R& r, coefficients_t<R, V>& c, const double* sums)
    {
        r.finish(c, sums);
    };

    template <class R, class V>
    concept finishes_with_geometry = has_coefficients<R, V> && requires(const R& r, coefficients_t<R, V>& c,
                                                                        const double* sums,
                                                                        const tensor_geometry& geometry)
    {
        r.finish(c, sums, geometry);
    };

    // A factored rule: `extents[k]` says what slot k is indexed by (slots.hpp). On a tensor of
    // rank >= 2 the engine walks it row by row; its last `row_reductions` sums are then taken
    // per row and handed to finish_row(c, sums, slots, geometry) at the end of each row, with
    // its slot pointers at the row (and its matrix); finish_matrix(c, slots, geometry) runs
    // after the last row of each matrix. Both may update its row, column and matrix slots.
    template <class R>
    concept factored_rule = requires
    {
        R::extents;
        {
            R::extents[0]
            } -> std::convertible_to<slot_extent>;
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
            {};
            template <class V>
            coefficients_type<V> coefficients(const step_info&) const
            {
                return {};
            }
            template <element T>
            void accumulate(const coefficients_type<scalar_t<T>>&, const T&, const T&, T*) const
            {}
            template <class V>
            void finish(coefficients_type<V>&, const double*) const
            {}
        };
    }

    // A rule accumulates in either form, and finishes in either form. Written without `||`
    // (a compiler reports a disjunction without its operands): a rule that has the form with
    // state (with geometry) is asked nothing more, any other the plain form, whose failure then
    // names `r.accumulate(c, w, u, acc)` (`r.finish(c, sums)`).
    template <class R, class T>
    concept accumulates =
        accumulates_sums<std::conditional_t<accumulates_into_state<R, T>, detail::reduces_nothing, R>, T>;

    template <class R, class V>
    concept finishes = finishes_sums<std::conditional_t<finishes_with_geometry<R, V>, detail::reduces_nothing, R>, V>;

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

        // The sums of a factored link that are taken per row (the last ones of its reductions).
        template <class R>
        inline constexpr std::size_t row_reductions_of = [] {
            if constexpr (requires { R::row_reductions; }) { return std::size_t(R::row_reductions); }
            else { return std::size_t(0); }
        }();

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
    concept reduces_as_declared =
        accumulates<detail::declared_reducer_t<R>, T> && finishes<detail::declared_reducer_t<R>, scalar_t<T>>;
}
