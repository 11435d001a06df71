#pragma once
// What a checkpoint needs to know about a chain without the rules writing any code for it:
//  - its kind, a stable string built from the `name` of each link and schedule type
//    ("chain<add_decayed_weights,scale_by_adam,scale_by_lr<f64>>");
//  - its hyperparameters, every field of every link in declaration order, found by
//    decomposing the links as aggregates (the rules and schedules are plain structs of
//    double, bool and integers, possibly nesting a schedule). A rule that is not an aggregate
//    can expose `fields()`, returning a std::tuple of references to its members.

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
                static_assert(requires { T::name; },
                              "xoptim checkpoint: a rule or schedule saved in a checkpoint needs "
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
            static_assert(requires { TT<A...>::name; },
                          "xoptim checkpoint: a rule or schedule saved in a checkpoint needs "
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

    // ---- aggregate decomposition ------------------------------------------------------------
    struct any_field
    {
        template <class T>
        operator T() const noexcept;  // only named in unevaluated contexts
    };

    template <class T, std::size_t N>
    constexpr bool brace_initializable()
    {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            return requires { T{(static_cast<void>(I), any_field{})...}; };
        }(std::make_index_sequence<N>{});
    }

    inline constexpr std::size_t max_fields = 12;

    // The number of fields of aggregate T: the largest N with T{f1, ..., fN} well formed.
    template <class T, std::size_t N = max_fields>
    constexpr std::size_t field_count()
    {
        if constexpr (N == 0) { return 0; }
        else if constexpr (brace_initializable<T, N>()) { return N; }
        else { return field_count<T, N - 1>(); }
    }

    template <class O, class F>
    void for_each_member(O& o, F&& f)
    {
        using T = std::remove_cv_t<O>;
        constexpr std::size_t n = field_count<T>();
        static_assert(n < max_fields, "xoptim checkpoint: too many fields in a rule (give it fields())");
        // clang-format off
        if constexpr (n == 0) {}
        else if constexpr (n == 1) { auto& [a] = o; f(a); }
        else if constexpr (n == 2) { auto& [a, b] = o; f(a); f(b); }
        else if constexpr (n == 3) { auto& [a, b, c] = o; f(a); f(b); f(c); }
        else if constexpr (n == 4) { auto& [a, b, c, d] = o; f(a); f(b); f(c); f(d); }
        else if constexpr (n == 5) { auto& [a, b, c, d, e] = o; f(a); f(b); f(c); f(d); f(e); }
        else if constexpr (n == 6) { auto& [a, b, c, d, e, g] = o; f(a); f(b); f(c); f(d); f(e); f(g); }
        else if constexpr (n == 7) { auto& [a, b, c, d, e, g, h] = o; f(a); f(b); f(c); f(d); f(e); f(g); f(h); }
        else if constexpr (n == 8) { auto& [a, b, c, d, e, g, h, i] = o; f(a); f(b); f(c); f(d); f(e); f(g); f(h); f(i); }
        else if constexpr (n == 9) { auto& [a, b, c, d, e, g, h, i, j] = o; f(a); f(b); f(c); f(d); f(e); f(g); f(h); f(i); f(j); }
        else if constexpr (n == 10) { auto& [a, b, c, d, e, g, h, i, j, k] = o; f(a); f(b); f(c); f(d); f(e); f(g); f(h); f(i); f(j); f(k); }
        else { auto& [a, b, c, d, e, g, h, i, j, k, l] = o; f(a); f(b); f(c); f(d); f(e); f(g); f(h); f(i); f(j); f(k); f(l); }
        // clang-format on
    }

    // Calls leaf(path, x) for every arithmetic or enum field reachable from x, depth first.
    template <class X, class Leaf>
    void walk(X& x, const std::string& path, Leaf&& leaf)
    {
        using T = std::remove_cv_t<X>;
        if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) { leaf(path, x); }
        else if constexpr (requires { x.fields(); })
        {
            std::size_t k = 0;
            std::apply([&](auto&... m) { ((walk(m, path + "." + std::to_string(k++), leaf)), ...); }, x.fields());
        }
        else
        {
            static_assert(std::is_aggregate_v<T>,
                          "xoptim checkpoint: a rule's fields must be numbers, bools, enums or aggregates of them "
                          "(or the rule must provide fields())");
            std::size_t k = 0;
            for_each_member(x, [&](auto& m) { walk(m, path + "." + std::to_string(k++), leaf); });
        }
    }

    // Every hyperparameter of every link of chain ch, labelled "<link index>:<link name>.<field>".
    template <class Chain, class Leaf>
    void walk_chain(Chain& ch, Leaf&& leaf)
    {
        std::size_t i = 0;
        std::apply(
            [&](auto&... link) {
                ((walk(link, std::to_string(i++) + ":" + kind_of<std::remove_cv_t<std::remove_reference_t<decltype(link)>>>(),
                       leaf)),
                 ...);
            },
            ch.links());
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
        else if constexpr (std::is_same_v<T, double>) { return std::bit_cast<std::uint64_t>(x); }
        else if constexpr (std::is_floating_point_v<T>) { return std::bit_cast<std::uint64_t>(static_cast<double>(x)); }
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
            const double d = std::bit_cast<double>(bits);
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
