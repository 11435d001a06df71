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

    // ---- the stored hyperparameters of a chain ------------------------------------------
    // Every link and schedule saved in a checkpoint declares its hyperparameters
    // (core/hyperparameters.hpp); a link with data members and no declaration cannot be saved.
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
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (
                [&] {
                    using L = std::remove_cvref_t<std::tuple_element_t<I, Links>>;
                    static_assert(checkpointable_link<L>(),
                                  "xoptim checkpoint: a rule with hyperparameters saved in a checkpoint must declare "
                                  "them: static constexpr auto hyperparameters() (see core/hyperparameters.hpp)");
                    if constexpr (declares_hyperparameters<L>)
                    {
                        xoptim::detail::walk_stored(std::get<I>(ch.links()), prefixes[I], leaf);
                    }
                }(),
                ...);
        }(std::make_index_sequence<std::tuple_size_v<Links>>{});
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
