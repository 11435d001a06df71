#pragma once
// chain<R...>: rules composed left to right into one rule. Each link's output is the next
// link's input; the engine fuses the whole chain into one pass (two around a reduction).

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "group_state.hpp"
#include "hyperparameters.hpp"
#include "reducing_rule.hpp"
#include "update_rule.hpp"

namespace xoptim
{
    // A rule that can be a link of a chain on T: an update rule, and a reducing rule too if it
    // declares reductions.
    template <class R, class T>
    concept link_for = update_rule<R, T> && reduces_as_declared<R, T>;

    // A link of a chain: one for every element type the engine runs (float, double and their
    // xsimd batches).
    template <class R>
    concept chain_link =
        link_for<R, float> && link_for<R, double> && link_for<R, simd_batch<float>> && link_for<R, simd_batch<double>>;

    namespace detail
    {
        // The first of the links that is not a chain_link, or the first link if all are.
        template <class First, class... R>
        struct first_failing_link
        {
            using type = First;
        };

        template <class First, class L, class... R>
        struct first_failing_link<First, L, R...>
            : std::conditional_t<chain_link<L>, first_failing_link<First, R...>, std::type_identity<L>>
        {};
    }

    // The links of a chain: at least one, each a chain_link. It is checked on the first link
    // that fails, since a compiler reports a fold over the links as one false expression: the
    // error then names that link and the step it misses.
    template <class... R>
    concept chain_links = (sizeof...(R) > 0) && chain_link<typename detail::first_failing_link<R...>::type>;

    template <class... R>
    requires chain_links<R...>
    class chain
    {
    public:
        using links_type = std::tuple<R...>;
        static constexpr std::size_t size = sizeof...(R);

        // Slot offsets and reduction offsets of each link, and the segment (number of
        // reducing links before it) that decides in which pass a link updates its state.
        static constexpr std::array<std::size_t, size + 1> slot_offset = [] {
            std::array<std::size_t, size + 1> o{};
            std::size_t k = 0, acc = 0;
            ((o[k++] = acc, acc += R::max_slots), ...);
            o[size] = acc;
            return o;
        }();
        static constexpr std::array<std::size_t, size + 1> reduction_offset = [] {
            std::array<std::size_t, size + 1> o{};
            std::size_t k = 0, acc = 0;
            ((o[k++] = acc, acc += detail::reductions_of<R>), ...);
            o[size] = acc;
            return o;
        }();
        static constexpr std::array<std::size_t, size> segment = [] {
            std::array<std::size_t, size> o{};
            std::size_t k = 0, seen = 0;
            ((o[k++] = seen, seen += detail::is_reducing<R> ? 1 : 0), ...);
            return o;
        }();

        // A reduction over a whole group (global-norm clipping) leads the chain: its pass reads
        // the raw gradients of every tensor before any of them is updated.
        static constexpr bool group_reduction_first = detail::has_group_scope<std::tuple_element_t<0, links_type>>();
        static_assert(((detail::has_group_scope<R>() ? 1 : 0) + ...) <= (group_reduction_first ? 1 : 0),
                      "xoptim::chain: a rule whose reduction spans a group (clip_by_global_norm) must be the first "
                      "link of the chain, and the only such link");

        static constexpr std::size_t max_slots = slot_offset[size];
        static constexpr std::size_t reductions = reduction_offset[size];

        // A chain with a factored link (row, column or matrix slots: Adafactor) is walked row by
        // row on tensors of rank >= 2 (engine.hpp, rows_pass).
        static constexpr bool factored = (factored_rule<R> || ...);

        // What each flat slot is indexed by, and whether it belongs to a factored link (whose
        // per-element slots are made only for tensors of rank < 2).
        static constexpr std::array<slot_extent, max_slots> slot_extents = [] {
            std::array<slot_extent, max_slots> o{};
            std::size_t k = 0;
            (
                [&] {
                    for (std::size_t j = 0; j < R::max_slots; ++j, ++k)
                    {
                        if constexpr (factored_rule<R>) { o[k] = R::extents[j]; }
                        else { o[k] = slot_extent::elements; }
                    }
                }(),
                ...);
            return o;
        }();
        static constexpr std::array<bool, max_slots> slot_factored = [] {
            std::array<bool, max_slots> o{};
            std::size_t k = 0;
            (([&] {
                 for (std::size_t j = 0; j < R::max_slots; ++j, ++k) { o[k] = factored_rule<R>; }
             }()),
             ...);
            return o;
        }();

        // Which sums are taken per row (a factored link's row_reductions) rather than per tensor.
        static constexpr std::array<bool, reductions> per_row = [] {
            std::array<bool, reductions> o{};
            std::size_t k = 0;
            (
                [&] {
                    constexpr std::size_t n = detail::reductions_of<R>;
                    constexpr std::size_t rows = detail::row_reductions_of<R>;
                    for (std::size_t j = 0; j < n; ++j, ++k) { o[k] = j + rows >= n && rows > 0; }
                }(),
                ...);
            return o;
        }();
        static constexpr std::size_t reducing_links = (std::size_t(detail::is_reducing<R> ? 1 : 0) + ...);
        // A chain with k reducing links runs in k + 1 passes over memory.
        static constexpr std::size_t passes = reducing_links + 1;

        template <class V>
        using coefficients_type = std::tuple<coefficients_t<R, V>...>;

        // The link that keeps group state (core/group_state.hpp), or size if none does; at most
        // one may. The optimizer keeps a group_state_type per group and advances it once a step.
        static constexpr std::size_t group_state_link = [] {
            std::size_t k = 0, found = size;
            ((found = (found == size && keeps_group_state<R>) ? k : found, ++k), ...);
            return found;
        }();
        static_assert(((keeps_group_state<R> ? 1 : 0) + ...) <= 1,
                      "xoptim::chain: at most one link may keep group state");
        static constexpr bool has_group_state = group_state_link < size;
        // Whether that link has an evaluation mode (schedule-free's train/eval switch).
        static constexpr bool has_mode_switch = [] {
            if constexpr (has_group_state) { return switches_mode<std::tuple_element_t<group_state_link, links_type>>; }
            else { return false; }
        }();
        using group_state_type = typename decltype([] {
            if constexpr (has_group_state)
            {
                return std::type_identity<typename std::tuple_element_t<group_state_link, links_type>::group_state>{};
            }
            else { return std::type_identity<detail::no_group_state>{}; }
        }())::type;

        chain() = default;

        // chain(a, b) deduces chain<A, B> from this constructor; that deduction carries the
        // class's constraint, so that a link that is not a chain_link fails where it is written
        // (a separate deduction guide would only repeat the error).
        explicit chain(R... links) : m_links(std::move(links)...) {}

        links_type& links() noexcept { return m_links; }
        const links_type& links() const noexcept { return m_links; }

        template <std::size_t I>
        auto& get() noexcept
        {
            return std::get<I>(m_links);
        }
        template <std::size_t I>
        const auto& get() const noexcept
        {
            return std::get<I>(m_links);
        }

        // Checks every link's declared hyperparameters (and the relations between them) for
        // an optimizer of value type V; errors name `owner` (each link's own name if empty),
        // the hyperparameter and its value.
        template <class V = double>
        void validate(std::string_view owner = {}) const
        {
            std::apply([&](const auto&... l) { (detail::validate_rule<V>(l, owner), ...); }, m_links);
        }

        // ---- hyperparameters by name (core/hyperparameters.hpp says how names resolve) -----
        // Every name a user may write, in chain order.
        std::vector<std::string> hyperparameter_names() const
        {
            return detail::public_names(detail::named_entries(m_links));
        }

        // Each named hyperparameter: its link, path, qualified name, kind and help line.
        std::vector<detail::named_entry> hyperparameter_entries() const { return detail::named_entries(m_links); }

        // Sets several hyperparameters at once and checks the result once (so that related
        // ones, as momentum and nesterov, may change together); nothing changes on an error.
        template <class V = double, class Pairs>
        void set_all(const Pairs& pairs, const step_info& next = {}, std::string_view owner = "xoptim::chain")
        {
            chain changed = *this;
            for (const auto& [key, value] : pairs) { detail::set_named(changed.m_links, key, value, next, owner); }
            changed.template validate<V>(owner);
            *this = std::move(changed);
        }

        // The value of hyperparameter `name` for a group whose next step is `next`.
        double get(std::string_view name, const step_info& next = {}, std::string_view owner = "xoptim::chain") const
        {
            return detail::get_named(m_links, name, next, owner);
        }

        // Sets hyperparameter `name`; std::invalid_argument naming it if the name is unknown,
        // the value does not fit its type, or the chain would break a constraint, and then
        // nothing has changed.
        template <class V = double>
        void set(std::string_view name, double value, const step_info& next = {},
                 std::string_view owner = "xoptim::chain")
        {
            chain changed = *this;
            detail::set_named(changed.m_links, name, value, next,
                              owner.empty() ? std::string_view("xoptim::chain") : owner);
            changed.template validate<V>(owner);
            *this = std::move(changed);
        }

        // Active slots of link I (a link with a runtime option may need fewer than max).
        template <std::size_t I>
        std::size_t slots_of() const
        {
            return std::get<I>(m_links).slots();
        }

        // Whether flat slot k (0 <= k < max_slots) is allocated for these hyperparameters.
        bool slot_active(std::size_t k) const { return slot_active_impl(k, std::make_index_sequence<size>{}); }

        // Whether flat slot k is made for a tensor of rank `rank`: a factored link's row, column
        // and matrix slots for rank >= 2, its per-element slots below that.
        bool slot_active(std::size_t k, std::size_t rank) const
        {
            if (!slot_active(k)) { return false; }
            if (!slot_factored[k]) { return true; }
            return (slot_extents[k] == slot_extent::elements) == (rank < 2);
        }

        // The value flat slot k starts from (0 unless its link says otherwise, as Adagrad may).
        double initial_value(std::size_t k) const { return initial_value_impl(k, std::make_index_sequence<size>{}); }

        std::size_t slots() const
        {
            std::size_t n = 0;
            for (std::size_t k = 0; k < max_slots; ++k) { n += slot_active(k) ? 1 : 0; }
            return n;
        }

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            return std::apply([&](const auto&... l) { return coefficients_type<V>(l.template coefficients<V>(s)...); },
                              m_links);
        }

        // The group state after step s (the state itself for a chain without one).
        group_state_type advanced(const group_state_type& before, const step_info& s) const
        {
            if constexpr (has_group_state) { return std::get<group_state_link>(m_links).advanced(before, s); }
            else
            {
                (void)s;
                return before;
            }
        }

        // The coefficients of step s, the group-state link's made from the state after the step.
        template <class V>
        coefficients_type<V> coefficients(const step_info& s, const group_state_type& after) const
        {
            if constexpr (has_group_state)
            {
                return [&]<std::size_t... I>(std::index_sequence<I...>)
                {
                    return coefficients_type<V>(link_coefficients<I, V>(s, after)...);
                }
                (std::make_index_sequence<size>{});
            }
            else
            {
                (void)after;
                return coefficients<V>(s);
            }
        }

        // One element of a parameter between its train point and its eval point, from its slots.
        template <class T>
        requires(has_mode_switch) T to_eval(const T& w, const slot_view<T>& state)
        const { return std::get<group_state_link>(m_links).to_eval(w, state.advanced(slot_offset[group_state_link])); }
        template <class T>
        requires(has_mode_switch) T to_train(const T& w, const slot_view<T>& state)
        const { return std::get<group_state_link>(m_links).to_train(w, state.advanced(slot_offset[group_state_link])); }

        // The learning rate the chain uses at step s: that of its first link with a rate.
        double learning_rate(const step_info& s) const
        {
            double lr = 1.0;
            bool found = false;
            std::apply([&](const auto&... l) { (find_rate(l, s, lr, found), ...); }, m_links);
            return lr;
        }

        // The per-element work of pass P: links of earlier segments replay their output from
        // state, links of segment P apply (and update their state); in a pass that ends at a
        // reducing link, that link accumulates its sums and the pass stops there.
        template <std::size_t P, element T>
        T run(const coefficients_type<scalar_t<T>>& c, const T& w, const T& g, const slot_view<scalar_t<T>>& state,
              T* acc) const
        {
            return run_from<P, 0>(c, w, g, state, acc);
        }

        // A one-pass chain is itself an update rule, so chains nest inside chains.
        template <element T>
        requires(passes == 1) T
            apply(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u, const slot_view<scalar_t<T>>& state)
        const { return run<0>(c, w, u, state, static_cast<T*>(nullptr)); }

        // Turns the sums accumulated in pass P into the coefficients of the reducing link.
        template <std::size_t P, class C>
        void finish(C& c, const double* sums, const tensor_geometry& geometry = {}) const
        {
            finish_from<P, 0>(c, sums, geometry);
        }

        // The end of a row in pass P of a tensor walked by rows: the factored link of that pass
        // takes the row's sums (per_row) into its row slots. `slots` are the chain's slot
        // pointers at this row (slots.hpp: elements and rows at the row, columns and matrices
        // at its matrix).
        template <std::size_t P, class C, class V>
        void finish_row(const C& c, const double* sums, V* const* slots, const tensor_geometry& geometry) const
        {
            factored_hook<P, 0>(
                [&](const auto& link, const auto& ci, std::size_t slot0, std::size_t red0) {
                    if constexpr (requires { link.finish_row(ci, sums + red0, slots + slot0, geometry); })
                    {
                        link.finish_row(ci, sums + red0, slots + slot0, geometry);
                    }
                },
                c);
        }

        // After the last row of a matrix in pass P (slots at the matrix: rows at its first row).
        template <std::size_t P, class C, class V>
        void finish_matrix(const C& c, V* const* slots, const tensor_geometry& geometry) const
        {
            factored_hook<P, 0>(
                [&](const auto& link, const auto& ci, std::size_t slot0, std::size_t) {
                    if constexpr (requires { link.finish_matrix(ci, slots + slot0, geometry); })
                    {
                        link.finish_matrix(ci, slots + slot0, geometry);
                    }
                },
                c);
        }

    private:
        template <std::size_t I, class V>
        auto link_coefficients(const step_info& s, const group_state_type& after) const
        {
            if constexpr (I == group_state_link) { return std::get<I>(m_links).template coefficients<V>(s, after); }
            else { return std::get<I>(m_links).template coefficients<V>(s); }
        }

        template <std::size_t... I>
        bool slot_active_impl(std::size_t k, std::index_sequence<I...>) const
        {
            bool active = false;
            ((k >= slot_offset[I] && k < slot_offset[I + 1] ? (active = k - slot_offset[I] < slots_of<I>()) : false),
             ...);
            return active;
        }

        template <std::size_t... I>
        double initial_value_impl(std::size_t k, std::index_sequence<I...>) const
        {
            double v = 0.0;
            (
                [&] {
                    using L = std::tuple_element_t<I, links_type>;
                    if constexpr (requires(const L& l) { l.initial_value(std::size_t{}); })
                    {
                        if (k >= slot_offset[I] && k < slot_offset[I + 1])
                        {
                            v = std::get<I>(m_links).initial_value(k - slot_offset[I]);
                        }
                    }
                }(),
                ...);
            return v;
        }

        template <class L>
        static void find_rate(const L& l, const step_info& s, double& lr, bool& found)
        {
            if constexpr (requires { l.learning_rate(s); })
            {
                if (!found)
                {
                    lr = l.learning_rate(s);
                    found = true;
                }
            }
        }

        template <std::size_t P, std::size_t I, element T>
        T run_from(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u, const slot_view<scalar_t<T>>& state,
                   T* acc) const
        {
            if constexpr (I == size) { return u; }
            else
            {
                using L = std::tuple_element_t<I, links_type>;
                constexpr std::size_t seg = segment[I];
                if constexpr (seg > P) { return u; }
                else
                {
                    const L& link = std::get<I>(m_links);
                    const auto& ci = std::get<I>(c);
                    const auto link_state = state.advanced(slot_offset[I]);
                    if constexpr (detail::is_reducing<L> && seg == P)
                    {
                        static_assert(reducing_rule<L, T>);
                        if constexpr (accumulates_into_state<L, T>)
                        {
                            link.accumulate(ci, w, u, acc + reduction_offset[I], link_state);
                        }
                        else { link.accumulate(ci, w, u, acc + reduction_offset[I]); }
                        return u;
                    }
                    else if constexpr (seg == P)
                    {
                        return run_from<P, I + 1>(c, w, link.apply(ci, w, u, link_state), state, acc);
                    }
                    else if constexpr (L::max_slots == 0)
                    {
                        return run_from<P, I + 1>(c, w, link.apply(ci, w, u, link_state), state, acc);
                    }
                    else
                    {
                        static_assert(replayable_rule<L, T>,
                                      "a rule with state that runs before a reducing rule must provide replay()");
                        return run_from<P, I + 1>(c, w, link.replay(ci, w, u, link_state), state, acc);
                    }
                }
            }
        }

        template <std::size_t P, std::size_t I, class C>
        void finish_from(C& c, const double* sums, const tensor_geometry& geometry) const
        {
            if constexpr (I < size)
            {
                using L = std::tuple_element_t<I, links_type>;
                if constexpr (detail::is_reducing<L> && segment[I] == P)
                {
                    if constexpr (requires { std::get<I>(m_links).finish(std::get<I>(c), sums, geometry); })
                    {
                        std::get<I>(m_links).finish(std::get<I>(c), sums + reduction_offset[I], geometry);
                    }
                    else { std::get<I>(m_links).finish(std::get<I>(c), sums + reduction_offset[I]); }
                }
                else { finish_from<P, I + 1>(c, sums, geometry); }
            }
        }

        // Calls f(link, its coefficients, its first slot, its first sum) for the factored
        // reducing link of pass P, if there is one.
        template <std::size_t P, std::size_t I, class F, class C>
        void factored_hook(F&& f, const C& c) const
        {
            if constexpr (I < size)
            {
                using L = std::tuple_element_t<I, links_type>;
                if constexpr (detail::is_reducing<L> && factored_rule<L> && segment[I] == P)
                {
                    f(std::get<I>(m_links), std::get<I>(c), slot_offset[I], reduction_offset[I]);
                }
                else { factored_hook<P, I + 1>(std::forward<F>(f), c); }
            }
        }

        links_type m_links;
    };

    // ---- what an optimizer reads of its rule: a chain, or a type with a chain's interface ----

    // Its links, as a tuple type, and how many.
    template <class C>
    concept has_links = requires
    {
        typename C::links_type;
        {
            C::size
            } -> std::convertible_to<std::size_t>;
    };

    // The passes its links make (one more than its reducing links), the segment of each link,
    // and the sums they need: what the engine plans its passes from.
    template <class C>
    concept has_passes = requires
    {
        {
            C::passes
            } -> std::convertible_to<std::size_t>;
        {
            C::reductions
            } -> std::convertible_to<std::size_t>;
        C::segment[0];
    };

    // Its per-element work on T, pass by pass: run<P>(c, w, g, state, acc) -> T.
    template <class C, class T>
    concept runs_on = element<T> && has_coefficients<C, scalar_t<T>> && requires(
        const C& c, const coefficients_t<C, scalar_t<T>>& k, const T& w, const T& g,
        const slot_view<scalar_t<T>>& state, T* acc)
    {
        {
            c.template run<0>(k, w, g, state, acc)
            } -> std::same_as<T>;
    };

    // Which of its max_slots slots a tensor's state makes, and the value each starts from.
    template <class C>
    concept has_slot_layout = has_max_slots<C> && requires(const C& c, std::size_t k)
    {
        {
            c.slot_active(k)
            } -> std::convertible_to<bool>;
        {
            c.initial_value(k)
            } -> std::convertible_to<double>;
    };

    // The learning rate it uses at a step.
    template <class C>
    concept has_learning_rate = requires(const C& c, const step_info& s)
    {
        {
            c.learning_rate(s)
            } -> std::convertible_to<double>;
    };

    namespace detail
    {
        // Whether a chain (or a type with a chain's interface) has a factored link.
        template <class C>
        inline constexpr bool factored_chain = [] {
            if constexpr (requires { C::factored; }) { return bool(C::factored); }
            else { return false; }
        }();

        // Whether flat slot k of rule c is made for a tensor of rank `rank` (only a factored
        // chain's answer depends on the rank).
        template <class C>
        bool slot_in_use(const C& c, std::size_t k, std::size_t rank)
        {
            if constexpr (requires { c.slot_active(k, rank); }) { return c.slot_active(k, rank); }
            else { return c.slot_active(k); }
        }

        // The shape of flat slot k of rule C for a parameter of shape `shape`.
        template <class C, class S>
        std::vector<std::size_t> slot_shape_of(const C&, std::size_t k, const S& shape)
        {
            if constexpr (requires { C::slot_extents; }) { return slot_shape(C::slot_extents[k], shape); }
            else { return std::vector<std::size_t>(shape.begin(), shape.end()); }
        }
    }

    // Its hyperparameters, checked for value type V and read and written by name.
    template <class C, class V>
    concept has_named_hyperparameters = requires(C& c, const std::string_view name, double x, const step_info& s)
    {
        std::as_const(c).template validate<V>(name);
        {
            std::as_const(c).hyperparameter_names()
            } -> std::convertible_to<std::vector<std::string>>;
        {
            std::as_const(c).get(name, s, name)
            } -> std::convertible_to<double>;
        c.template set<V>(name, x, s, name);
        c.links();
    };
}
