#pragma once
// What a checkpoint needs to know about a chain without the rules writing any code for it:
//  - its kind, a stable string built from the `name` of each link and schedule type
//    ("chain<add_decayed_weights,scale_by_adam,scale_by_lr<f64>>");
//  - its hyperparameters, by the names their links declare (core/hyperparameters.hpp), each
//    with the checkpoint format version that first stored it.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/chain.hpp"
#include "../core/hyperparameters.hpp"
#include "../rules/scale_by_lr.hpp"
#include "bytes.hpp"

namespace xoptim::detail::ckpt
{
    // ---- kind strings ---------------------------------------------------------------------
    template <class T>
    struct kind_name
    {
        static std::string get()
        {
            if constexpr (std::is_same_v<T, bool>) { return "bool"; }
            else if constexpr (std::is_floating_point_v<T>) { return "f" + std::to_string(8 * sizeof(T)); }
            else if constexpr (std::is_integral_v<T>)
            {
                return (std::is_signed_v<T> ? "i" : "u") + std::to_string(8 * sizeof(T));
            }
            else
            {
                static_assert(
                    requires { T::name; }, "xoptim checkpoint: a rule or schedule saved in a checkpoint needs "
                                           "`static constexpr std::string_view name`");
                return std::string(T::name);
            }
        }
    };

    template <template <class...> class TT, class... A>
    struct kind_name<TT<A...>>
    {
        static std::string get()
        {
            static_assert(
                requires { TT<A...>::name; }, "xoptim checkpoint: a rule or schedule saved in a checkpoint needs "
                                              "`static constexpr std::string_view name`");
            std::string s(TT<A...>::name);
            s += '<';
            bool first = true;
            ((s += (first ? "" : ","), s += kind_name<A>::get(), first = false), ...);
            return s + '>';
        }
    };

    template <class... R>
    struct kind_name<chain<R...>>
    {
        static std::string get()
        {
            std::string s = "chain<";
            bool first = true;
            ((s += (first ? "" : ","), s += kind_name<R>::get(), first = false), ...);
            return s + '>';
        }
    };

    template <class T>
    std::string kind_of()
    {
        return kind_name<T>::get();
    }

    // ---- every data member declared -------------------------------------------------------
    // A checkpoint stores what a link declares, so a data member left out of the declaration
    // would be neither saved nor restored, silently. For a link or schedule that is an
    // aggregate (a plain struct, as every rule and schedule of the library) the data members
    // are counted and compared with the declaration; a member of an empty type holds nothing
    // and needs none. A type that is not an aggregate cannot be counted and is trusted.
    struct any_member
    {
        template <class T>
        operator T() const noexcept;  // only named in unevaluated contexts
    };

    template <class T, std::size_t... I>
    constexpr bool brace_initializable(std::index_sequence<I...>)
    {
        return requires { T{(static_cast<void>(I), any_member{})...}; };
    }

    inline constexpr std::size_t max_counted_members = 12;

    // The number of data members of aggregate T: the largest N with T{m1, ..., mN} well formed.
    template <class T, std::size_t N = max_counted_members>
    constexpr std::size_t member_count()
    {
        if constexpr (N == 0) { return 0; }
        else if constexpr (brace_initializable<T>(std::make_index_sequence<N>{})) { return N; }
        else { return member_count<T, N - 1>(); }
    }

    template <class... M>
    struct type_list
    {};

    // The types of the data members of aggregate T, for decltype only (never called: its
    // argument is std::declval's).
    template <class T>
    auto member_types(T& t)
    {
        constexpr std::size_t n = member_count<T>();
        static_assert(n < max_counted_members,
                      "xoptim checkpoint: too many data members in a rule or schedule to count");
        // clang-format off
        if constexpr (n == 0) { return type_list<>{}; }
        else if constexpr (n == 1) { [[maybe_unused]] auto& [a] = t; return type_list<decltype(a)>{}; }
        else if constexpr (n == 2) { [[maybe_unused]] auto& [a, b] = t; return type_list<decltype(a), decltype(b)>{}; }
        else if constexpr (n == 3) { [[maybe_unused]] auto& [a, b, c] = t; return type_list<decltype(a), decltype(b), decltype(c)>{}; }
        else if constexpr (n == 4) { [[maybe_unused]] auto& [a, b, c, d] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d)>{}; }
        else if constexpr (n == 5) { [[maybe_unused]] auto& [a, b, c, d, e] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d), decltype(e)>{}; }
        else if constexpr (n == 6) { [[maybe_unused]] auto& [a, b, c, d, e, f] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d), decltype(e), decltype(f)>{}; }
        else if constexpr (n == 7) { [[maybe_unused]] auto& [a, b, c, d, e, f, g] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d), decltype(e), decltype(f), decltype(g)>{}; }
        else if constexpr (n == 8) { [[maybe_unused]] auto& [a, b, c, d, e, f, g, h] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d), decltype(e), decltype(f), decltype(g), decltype(h)>{}; }
        else if constexpr (n == 9) { [[maybe_unused]] auto& [a, b, c, d, e, f, g, h, i] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d), decltype(e), decltype(f), decltype(g), decltype(h), decltype(i)>{}; }
        else if constexpr (n == 10) { [[maybe_unused]] auto& [a, b, c, d, e, f, g, h, i, j] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d), decltype(e), decltype(f), decltype(g), decltype(h), decltype(i), decltype(j)>{}; }
        else { [[maybe_unused]] auto& [a, b, c, d, e, f, g, h, i, j, k] = t; return type_list<decltype(a), decltype(b), decltype(c), decltype(d), decltype(e), decltype(f), decltype(g), decltype(h), decltype(i), decltype(j), decltype(k)>{}; }
        // clang-format on
    }

    template <class... M>
    constexpr std::size_t count_holding(type_list<M...>)
    {
        return (std::size_t(!std::is_empty_v<std::remove_cvref_t<M>>) + ... + std::size_t(0));
    }

    // Members that hold a number but are deliberately not hyperparameters: scale_by_lr's
    // lr_scale, which only a schedule uses.
    template <class L>
    inline constexpr std::size_t unstored_members = 0;
    template <schedule S>
    inline constexpr std::size_t unstored_members<scale_by_lr<S>> = std::is_arithmetic_v<S> ? 1 : 0;

    template <class T>
    constexpr bool declares_every_member();

    // Whether the declaration of T names every data member of T that holds something, and
    // the same of every nested type it declares (a schedule inside a rule).
    template <class Tuple, std::size_t... I>
    constexpr bool declared_members_ok(std::size_t& stored, std::index_sequence<I...>)
    {
        bool ok = true;
        (
            [&] {
                using D = std::remove_cvref_t<std::tuple_element_t<I, Tuple>>;
                if constexpr (!xoptim::detail::is_computed<D>)
                {
                    ++stored;
                    using F = typename D::value_type;
                    if constexpr (declares_hyperparameters<F>) { ok = ok && declares_every_member<F>(); }
                }
            }(),
            ...);
        return ok;
    }

    template <class T>
    constexpr bool declares_every_member()
    {
        using Tuple = std::remove_cvref_t<decltype(T::hyperparameters())>;
        std::size_t stored = 0;
        const bool nested = declared_members_ok<Tuple>(stored, std::make_index_sequence<std::tuple_size_v<Tuple>>{});
        if constexpr (std::is_aggregate_v<T>)
        {
            return nested
                   && count_holding(decltype(member_types(std::declval<T&>())){}) == stored + unstored_members<T>;
        }
        else { return nested; }
    }

    // ---- the stored hyperparameters of a chain ------------------------------------------
    // Every link and schedule saved in a checkpoint declares its hyperparameters
    // (core/hyperparameters.hpp), every data member of it; a link without data members needs
    // no declaration.
    template <class L>
    constexpr bool checkpointable_link()
    {
        if constexpr (declares_hyperparameters<L>) { return true; }
        else { return std::is_empty_v<L>; }
    }

    // Calls leaf(qualified name, x, since) for every stored hyperparameter of every link of
    // chain ch, in chain and declaration order: "scale_by_adam.beta1", "scale_by_lr.schedule.period".
    template <class Chain, class Leaf>
    void walk_chain_stored(Chain& ch, Leaf&& leaf)
    {
        using Links = std::remove_cvref_t<decltype(ch.links())>;
        const auto prefixes = xoptim::detail::link_prefixes<Links>();
        [&]<std::size_t... I>(std::index_sequence<I...>)
        {
            (
                [&] {
                    using L = std::remove_cvref_t<std::tuple_element_t<I, Links>>;
                    static_assert(checkpointable_link<L>(),
                                  "xoptim checkpoint: a rule with hyperparameters saved in a checkpoint must declare "
                                  "them: static constexpr auto hyperparameters() (see core/hyperparameters.hpp)");
                    if constexpr (declares_hyperparameters<L>)
                    {
                        static_assert(declares_every_member<L>(),
                                      "xoptim checkpoint: a data member of this rule (or of a schedule in it) is not "
                                      "declared in its hyperparameters(), so a checkpoint would neither save nor "
                                      "restore it: declare every data member");
                        xoptim::detail::walk_stored(std::get<I>(ch.links()), prefixes[I], leaf);
                    }
                }(),
                ...);
        }
        (std::make_index_sequence<std::tuple_size_v<Links>>{});
    }

    // The hyperparameters format version 1 stored, in its order (by position): those
    // declared since version 1.
    template <class Chain, class Leaf>
    void walk_chain_v1(Chain& ch, Leaf&& leaf)
    {
        walk_chain_stored(ch, [&](const std::string& path, auto& x, std::uint32_t since) {
            if (since <= 1) { leaf(path, x); }
        });
    }

    // ---- field encoding: a type tag and 8 bytes ---------------------------------------------
    // tag: 0x01 bool; 0x10 | size float; 0x20 | size unsigned; 0x30 | size signed.
    template <class T>
    constexpr std::uint8_t field_tag()
    {
        if constexpr (std::is_enum_v<T>) { return field_tag<std::underlying_type_t<T>>(); }
        else if constexpr (std::is_same_v<T, bool>) { return 0x01; }
        else if constexpr (std::is_floating_point_v<T>) { return static_cast<std::uint8_t>(0x10 | sizeof(T)); }
        else if constexpr (std::is_unsigned_v<T>) { return static_cast<std::uint8_t>(0x20 | sizeof(T)); }
        else { return static_cast<std::uint8_t>(0x30 | sizeof(T)); }
    }

    inline std::string tag_name(std::uint8_t tag)
    {
        const unsigned size = tag & 0x0F;
        switch (tag & 0xF0)
        {
        case 0x00: return tag == 0x01 ? "bool" : "tag " + hex(tag, 2);
        case 0x10: return "f" + std::to_string(8 * size);
        case 0x20: return "u" + std::to_string(8 * size);
        case 0x30: return "i" + std::to_string(8 * size);
        default: return "tag " + hex(tag, 2);
        }
    }

    template <class T>
    std::uint64_t field_bits(const T& x)
    {
        if constexpr (std::is_enum_v<T>) { return field_bits(static_cast<std::underlying_type_t<T>>(x)); }
        else if constexpr (std::is_same_v<T, bool>) { return x ? 1 : 0; }
        else if constexpr (std::is_same_v<T, double>) { return xoptim::detail::bit_cast<std::uint64_t>(x); }
        else if constexpr (std::is_floating_point_v<T>)
        {
            return xoptim::detail::bit_cast<std::uint64_t>(static_cast<double>(x));
        }
        else { return static_cast<std::uint64_t>(x); }
    }

    template <class T>
    bool field_finite(const T& x)
    {
        if constexpr (std::is_floating_point_v<T>) { return x - x == x - x; }  // false for inf and nan
        else { return true; }
    }

    // Decodes bits into x; returns an empty string, or what is wrong with the value.
    template <class T>
    std::string field_from_bits(T& x, std::uint64_t bits)
    {
        if constexpr (std::is_enum_v<T>)
        {
            std::underlying_type_t<T> u{};
            std::string err = field_from_bits(u, bits);
            if (err.empty()) { x = static_cast<T>(u); }
            return err;
        }
        else if constexpr (std::is_same_v<T, bool>)
        {
            if (bits > 1) { return "expected 0 or 1, found " + std::to_string(bits); }
            x = bits == 1;
        }
        else if constexpr (std::is_floating_point_v<T>)
        {
            const double d = xoptim::detail::bit_cast<double>(bits);
            if (!(d - d == d - d)) { return "expected a finite number, found " + std::string(d != d ? "nan" : "inf"); }
            if (static_cast<double>(static_cast<T>(d)) != d) { return "expected a value exact in the field's type"; }
            x = static_cast<T>(d);
        }
        else if constexpr (std::is_unsigned_v<T>)
        {
            if (bits > std::numeric_limits<T>::max()) { return "out of range: " + std::to_string(bits); }
            x = static_cast<T>(bits);
        }
        else
        {
            const auto s = static_cast<std::int64_t>(bits);
            if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max())
            {
                return "out of range: " + std::to_string(s);
            }
            x = static_cast<T>(s);
        }
        return {};
    }
}
