#pragma once
// Hyperparameters as data: a rule (or schedule) declares each of its hyperparameters once, with
// its name, the member it lives in, its constraint and a line of help; its default is the
// member's initialiser. Validation, access by name, checkpoints and command lines read it.

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "step_info.hpp"
#include "validate.hpp"

namespace xoptim
{
    // What a hyperparameter's value must satisfy, and how to say so in an error.
    struct constraint
    {
        std::string_view expected;  // "finite and >= 0": completes "<name> must be ..."
        bool (*holds)(double) = nullptr;
    };

    namespace constraints
    {
        inline constexpr constraint none{"any value", [](double) { return true; }};
        inline constexpr constraint finite{"finite", [](double v) { return std::isfinite(v); }};
        inline constexpr constraint non_negative{"finite and >= 0",
                                                 [](double v) { return v >= 0.0 && std::isfinite(v); }};
        inline constexpr constraint positive{"finite and > 0", [](double v) { return v > 0.0 && std::isfinite(v); }};
        inline constexpr constraint unit_interval{"in [0, 1)", [](double v) { return v >= 0.0 && v < 1.0; }};
        inline constexpr constraint closed_unit_interval{"in [0, 1]", [](double v) { return v >= 0.0 && v <= 1.0; }};
        inline constexpr constraint open_unit_interval{"in (0, 1)", [](double v) { return v > 0.0 && v < 1.0; }};
        inline constexpr constraint at_least_one{"finite and >= 1",
                                                 [](double v) { return v >= 1.0 && std::isfinite(v); }};
        inline constexpr constraint at_least_two{"finite and >= 2",
                                                 [](double v) { return v >= 2.0 && std::isfinite(v); }};
    }

    // A hyperparameter stored in member `member` of Owner. T is a number, a bool, an enum, or a
    // type that declares hyperparameters of its own (a schedule inside a rule), whose names
    // are then prefixed by this one's ("schedule.period"). `since`: the checkpoint format
    // version that first stored it (version 1 stored hyperparameters by position, so a later
    // addition must say so to keep old files readable). `option`: whether the hyperparameter
    // is a construction option (a command-line flag, a key of make_optimizer) or run-time
    // steering only.
    template <class Owner, class T>
    struct hyperparameter
    {
        using owner_type = Owner;
        using value_type = T;
        std::string_view name;
        T Owner::*member;
        constraint rule = constraints::none;
        std::string_view help = {};
        std::uint32_t since = 1;
        bool option = true;

        constexpr hyperparameter with_since(std::uint32_t v) const
        {
            auto h = *this;
            h.since = v;
            return h;
        }
        constexpr hyperparameter steering_only() const
        {
            auto h = *this;
            h.option = false;
            return h;
        }
    };

    template <class Owner, class T>
    constexpr hyperparameter<Owner, T> param(std::string_view name, T Owner::*member,
                                             constraint rule = constraints::none, std::string_view help = {})
    {
        return {name, member, rule, help, 1, true};
    }

    // A hyperparameter that is not stored but computed from others and the step: read as
    // `get(owner, step)`, written as `set(owner, value, step)` (which may throw
    // std::invalid_argument). Never checkpointed: what it is made of is.
    template <class Owner>
    struct computed_hyperparameter
    {
        using owner_type = Owner;
        std::string_view name;
        double (*get)(const Owner&, const step_info&);
        void (*set)(Owner&, double, const step_info&);
        std::string_view help = {};
    };

    // A type that declares its hyperparameters: `static constexpr auto hyperparameters()`
    // returning a std::tuple of hyperparameter / computed_hyperparameter descriptors.
    template <class R>
    concept declares_hyperparameters = requires
    {
        {R::hyperparameters()};
        std::tuple_size<std::remove_cvref_t<decltype(R::hyperparameters())>>::value;
    };

    namespace detail
    {
        template <class T>
        inline constexpr bool is_leaf_value = std::is_arithmetic_v<T> || std::is_enum_v<T>;

        template <class D>
        inline constexpr bool is_computed = false;
        template <class O>
        inline constexpr bool is_computed<computed_hyperparameter<O>> = true;

        // The largest value of V, as double (for "finite in float").
        template <class V>
        inline constexpr double largest = static_cast<double>(std::numeric_limits<V>::max());

        [[noreturn]] inline void invalid_named(std::string_view owner, const std::string& name, double value,
                                               std::string_view expected)
        {
            throw std::invalid_argument(std::string(owner) + ": " + name + " must be " + std::string(expected)
                                        + ", got " + format_value(value));
        }

        // A value for a field of type T, checked for its type (not its constraint).
        template <class T>
        T narrowed_value(std::string_view owner, const std::string& name, double value)
        {
            if constexpr (std::is_same_v<T, bool>)
            {
                if (value != 0.0 && value != 1.0) { invalid_named(owner, name, value, "0 or 1 (false or true)"); }
                return value == 1.0;
            }
            else if constexpr (std::is_enum_v<T>)
            {
                using U = std::underlying_type_t<T>;
                return static_cast<T>(narrowed_value<U>(owner, name, value));
            }
            else if constexpr (std::is_integral_v<T>)
            {
                // max() rounds up to 2^digits as a double, which does not fit: compare with that bound.
                if (!(value == std::floor(value)) || value < static_cast<double>(std::numeric_limits<T>::min())
                    || value >= std::ldexp(1.0, std::numeric_limits<T>::digits))
                {
                    invalid_named(owner, name, value, "a whole number in the field's range");
                }
                return static_cast<T>(value);
            }
            else { return static_cast<T>(value); }
        }

        template <class T>
        double as_double(const T& x)
        {
            if constexpr (std::is_same_v<T, bool>) { return x ? 1.0 : 0.0; }
            else if constexpr (std::is_enum_v<T>)
            {
                return static_cast<double>(static_cast<std::underlying_type_t<T>>(x));
            }
            else { return static_cast<double>(x); }
        }

        inline std::string joined(const std::string& prefix, std::string_view name)
        {
            return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
        }

        // Calls leaf(path, value&, descriptor) for every stored hyperparameter of x, depth
        // first in declaration order, and computed(path, descriptor) for every computed one.
        // A nested type without a declaration of its own (a plain number as schedule) is a leaf.
        template <class X, class Leaf, class Computed>
        void walk_declared(X& x, const std::string& prefix, Leaf&& leaf, Computed&& computed)
        {
            using T = std::remove_cv_t<X>;
            static_assert(declares_hyperparameters<T>);
            std::apply(
                [&](const auto&... d) {
                    (
                        [&] {
                            using D = std::remove_cvref_t<decltype(d)>;
                            const std::string path = joined(prefix, d.name);
                            if constexpr (is_computed<D>) { computed(path, d); }
                            else
                            {
                                using F = typename D::value_type;
                                auto& field = x.*(d.member);
                                if constexpr (is_leaf_value<F>) { leaf(path, field, d); }
                                else if constexpr (declares_hyperparameters<F>)
                                {
                                    walk_declared(field, path, leaf, computed);
                                }
                                else
                                {
                                    static_assert(
                                        declares_hyperparameters<F>,
                                        "xoptim: a hyperparameter must be a number, a bool, an enum or a type "
                                        "that declares hyperparameters() of its own");
                                }
                            }
                        }(),
                        ...);
                },
                T::hyperparameters());
        }

        template <class X, class Leaf>
        void walk_stored_since(X& x, const std::string& prefix, std::uint32_t outer_since, Leaf& leaf)
        {
            using T = std::remove_cv_t<X>;
            std::apply(
                [&](const auto&... d) {
                    (
                        [&] {
                            using D = std::remove_cvref_t<decltype(d)>;
                            if constexpr (!is_computed<D>)
                            {
                                using F = typename D::value_type;
                                const std::string path = joined(prefix, d.name);
                                const std::uint32_t since = d.since > outer_since ? d.since : outer_since;
                                auto& field = x.*(d.member);
                                if constexpr (is_leaf_value<F>) { leaf(path, field, since); }
                                else { walk_stored_since(field, path, since, leaf); }
                            }
                        }(),
                        ...);
                },
                T::hyperparameters());
        }

        // The hyperparameters of x that are stored (every leaf), with the format version
        // that first stored each: leaf(path, value&, since).
        template <class X, class Leaf>
        void walk_stored(X& x, const std::string& prefix, Leaf&& leaf)
        {
            walk_stored_since(x, prefix, 1, leaf);
        }

        // Checks every declared hyperparameter of x against its constraint and, for the
        // numbers, against the range of V (a rate of 1e39 is finite in double, not in float).
        // Errors read "<owner>: <prefix.name> must be <expected>, got <value>".
        template <class V, class X>
        void check_declared(const X& x, std::string_view owner, const std::string& prefix = {})
        {
            walk_declared(
                x, prefix,
                [&](const std::string& path, const auto& field, const auto& d) {
                    using F = std::remove_cvref_t<decltype(field)>;
                    if constexpr (std::is_floating_point_v<F>)
                    {
                        const double v = static_cast<double>(field);
                        if (!d.rule.holds(v)) { invalid_named(owner, path, v, d.rule.expected); }
                        if (std::isfinite(v) && std::abs(v) > largest<V>)
                        {
                            invalid_named(owner, path, v,
                                          std::string("finite in the optimizer's value type (at most ")
                                              + format_value(largest<V>) + ")");
                        }
                    }
                    else if constexpr (!std::is_same_v<F, bool>)
                    {
                        const double v = as_double(field);
                        if (!d.rule.holds(v)) { invalid_named(owner, path, v, d.rule.expected); }
                    }
                },
                [](const std::string&, const auto&) {});
        }
    }
}

namespace xoptim::detail
{
    // ---- the hyperparameters of a chain of links, by name ----------------------------------
    // Each link's hyperparameters are reachable by their path within the link ("beta1",
    // "schedule.period") and by a qualified name, the link's name first ("scale_by_adam.beta1";
    // "trace#1.momentum" for the second link named trace). An unqualified path names the first
    // link, left to right, that declares it; a last component alone ("period") names the one
    // path that ends with it, when only one does.

    template <class L>
    std::string_view link_name_of()
    {
        if constexpr (requires { L::name; }) { return L::name; }
        else { return "link"; }
    }

    // Qualified prefixes of the links of Links (a std::tuple type): "name", "name#1", ...
    template <class Links>
    std::vector<std::string> link_prefixes()
    {
        std::vector<std::string> out;
        [&]<std::size_t... I>(std::index_sequence<I...>)
        {
            (
                [&] {
                    const std::string base(link_name_of<std::tuple_element_t<I, Links>>());
                    std::size_t seen = 0;
                    for (std::size_t j = 0; j < out.size(); ++j)
                    {
                        if (out[j] == base || out[j].rfind(base + "#", 0) == 0) { ++seen; }
                    }
                    out.push_back(seen == 0 ? base : base + "#" + std::to_string(seen));
                }(),
                ...);
        }
        (std::make_index_sequence<std::tuple_size_v<Links>>{});
        return out;
    }

    // One named hyperparameter of a chain: its link, its path in the link, and its kind.
    struct named_entry
    {
        std::size_t link;
        std::string path;       // within the link
        std::string qualified;  // "<link prefix>.<path>"
        bool computed;
        bool option;
        bool is_bool;
        std::string_view help;
    };

    template <class L>
    void entries_of_link(const L& link, std::size_t index, const std::string& prefix, std::vector<named_entry>& out)
    {
        if constexpr (declares_hyperparameters<L>)
        {
            walk_declared(
                link, {},
                [&](const std::string& path, const auto& field, const auto& d) {
                    using F = std::remove_cvref_t<decltype(field)>;
                    out.push_back({index, path, prefix + "." + path, false, d.option, std::is_same_v<F, bool>, d.help});
                },
                [&](const std::string& path, const auto& d) {
                    out.push_back({index, path, prefix + "." + path, true, true, false, d.help});
                });
        }
    }

    // Every named hyperparameter of the links, in chain order.
    template <class Links>
    std::vector<named_entry> named_entries(const Links& links)
    {
        const auto prefixes = link_prefixes<Links>();
        std::vector<named_entry> out;
        [&]<std::size_t... I>(std::index_sequence<I...>)
        {
            (entries_of_link(std::get<I>(links), I, prefixes[I], out), ...);
        }
        (std::make_index_sequence<std::tuple_size_v<Links>>{});
        return out;
    }

    inline std::string last_component(const std::string& path)
    {
        const auto dot = path.rfind('.');
        return dot == std::string::npos ? path : path.substr(dot + 1);
    }

    // The names a user may write, each once: every unqualified path that names its entry,
    // then the qualified names of the entries an unqualified path does not reach.
    inline std::vector<std::string> public_names(const std::vector<named_entry>& entries)
    {
        std::vector<std::string> out;
        auto has = [&](const std::string& s) {
            for (const auto& o : out)
            {
                if (o == s) { return true; }
            }
            return false;
        };
        for (const auto& e : entries)
        {
            if (!has(e.path)) { out.push_back(e.path); }
        }
        for (std::size_t i = 0; i < entries.size(); ++i)
        {
            bool first = true;
            for (std::size_t j = 0; j < i; ++j)
            {
                if (entries[j].path == entries[i].path) { first = false; }
            }
            if (!first) { out.push_back(entries[i].qualified); }
        }
        return out;
    }

    inline std::string names_text(const std::vector<std::string>& names)
    {
        std::string s;
        for (const auto& n : names) { s += (s.empty() ? "" : ", ") + n; }
        return s;
    }

    // The entry `name` refers to, or an std::invalid_argument listing the valid names.
    inline const named_entry& resolve_name(const std::vector<named_entry>& entries, std::string_view name,
                                           std::string_view owner)
    {
        for (const auto& e : entries)
        {
            if (e.qualified == name) { return e; }
        }
        for (const auto& e : entries)
        {
            if (e.path == name) { return e; }
        }
        const named_entry* only = nullptr;
        std::size_t hits = 0;
        for (const auto& e : entries)
        {
            if (last_component(e.path) == name)
            {
                if (hits == 0 || only->path != e.path) { ++hits; }
                if (only == nullptr) { only = &e; }
            }
        }
        if (hits == 1) { return *only; }
        throw std::invalid_argument(std::string(owner) + ": unknown hyperparameter '" + std::string(name)
                                    + "' (valid names: " + names_text(public_names(entries)) + ")");
    }

    // Calls on_leaf(field&, descriptor) or on_computed(descriptor, link&) for `path` of link.
    template <class L, class OnLeaf, class OnComputed>
    bool visit_path(L& link, const std::string& path, OnLeaf&& on_leaf, OnComputed&& on_computed)
    {
        bool found = false;
        if constexpr (declares_hyperparameters<std::remove_cv_t<L>>)
        {
            walk_declared(
                link, {},
                [&](const std::string& p, auto& field, const auto& d) {
                    if (!found && p == path)
                    {
                        found = true;
                        on_leaf(field, d);
                    }
                },
                [&](const std::string& p, const auto& d) {
                    if (!found && p == path)
                    {
                        found = true;
                        on_computed(d, link);
                    }
                });
        }
        return found;
    }

    // Applies f(link&) to link `index` of the tuple.
    template <class Links, class F>
    void with_link(Links& links, std::size_t index, F&& f)
    {
        [&]<std::size_t... I>(std::index_sequence<I...>) { ((I == index ? (f(std::get<I>(links)), 0) : 0), ...); }
        (std::make_index_sequence<std::tuple_size_v<std::remove_const_t<Links>>>{});
    }

    // The value of hyperparameter `name` (a bool reads as 0 or 1); `next` is the step the
    // group takes next (a computed rate depends on it).
    template <class Links>
    double get_named(const Links& links, std::string_view name, const step_info& next, std::string_view owner)
    {
        const auto entries = named_entries(links);
        const named_entry& e = resolve_name(entries, name, owner);
        double out = 0.0;
        with_link(links, e.link, [&](const auto& link) {
            visit_path(
                link, e.path, [&](const auto& field, const auto&) { out = as_double(field); },
                [&](const auto& d, const auto& l) { out = d.get(l, next); });
        });
        return out;
    }

    // Sets hyperparameter `name` of the links to `value`, checked for the field's type; the
    // caller validates the whole chain afterwards (and works on a copy, to keep the old one).
    template <class Links>
    void set_named(Links& links, std::string_view name, double value, const step_info& next, std::string_view owner)
    {
        const auto entries = named_entries(links);
        const named_entry& e = resolve_name(entries, name, owner);
        with_link(links, e.link, [&](auto& link) {
            visit_path(
                link, e.path,
                [&](auto& field, const auto&) {
                    using F = std::remove_cvref_t<decltype(field)>;
                    field = narrowed_value<F>(owner, e.path, value);
                },
                [&](const auto& d, auto& l) {
                    if constexpr (requires { d.set(l, value, next); }) { d.set(l, value, next); }
                });
        });
    }
}
