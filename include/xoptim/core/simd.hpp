#pragma once
// Elementwise arithmetic that reads the same for a scalar (`float`, `double`) and an
// `xsimd::batch`, so that every rule is written once, generic in its value type `T`.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

// XOPTIM_SIMD: 1 where xsimd has an instruction set for the target, 0 where it has none
// (WebAssembly with xsimd 8.1, some Debian architectures; xsimd then defines
// XSIMD_NO_SUPPORTED_ARCHITECTURE and declares no batch). Without it the engine runs its scalar
// path alone and the rules are checked on their scalar types only.
#if defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
#define XOPTIM_SIMD 0
#else
#define XOPTIM_SIMD 1
#endif

namespace xoptim
{
    namespace detail
    {
        template <class T>
        struct is_batch : std::false_type
        {};

        template <class V, class A>
        struct is_batch<xsimd::batch<V, A>> : std::true_type
        {};
    }

    // The batch the engine runs V in: xsimd's default one for the target, or V itself where
    // xsimd has no instruction set (XOPTIM_SIMD 0).
#if XOPTIM_SIMD
    template <class V>
    using simd_batch = xsimd::batch<V>;
#else
    template <class V>
    using simd_batch = V;
#endif

    // A value type the rules can run on: a floating-point scalar or an xsimd batch of one.
    template <class T>
    concept element = std::floating_point<T> || detail::is_batch<T>::value;

    // A scalar the engine also runs in xsimd batches: float or double (an optimizer's value type).
    template <class V>
    concept scalar_element = std::same_as<V, float> || std::same_as<V, double>;

    // The scalar behind an element type: `float` for `xsimd::batch<float>`.
    template <class T>
    struct scalar_of
    {
        using type = T;
    };

    template <class V, class A>
    struct scalar_of<xsimd::batch<V, A>>
    {
        using type = V;
    };

    template <class T>
    using scalar_t = typename scalar_of<T>::type;

    namespace math
    {
        template <element T>
        inline T sqrt(const T& x) noexcept
        {
            if constexpr (std::floating_point<T>) { return std::sqrt(x); }
#if XOPTIM_SIMD
            else { return xsimd::sqrt(x); }
#endif
        }

        template <element T>
        inline T abs(const T& x) noexcept
        {
            if constexpr (std::floating_point<T>) { return std::fabs(x); }
#if XOPTIM_SIMD
            else { return xsimd::abs(x); }
#endif
        }

        // max/min with the NaN behaviour of `a < b ? b : a`, the same for scalars and batches.
        template <element T>
        inline T max(const T& a, const T& b) noexcept
        {
            if constexpr (std::floating_point<T>) { return a < b ? b : a; }
#if XOPTIM_SIMD
            else { return xsimd::select(a < b, b, a); }
#endif
        }

        template <element T>
        inline T min(const T& a, const T& b) noexcept
        {
            if constexpr (std::floating_point<T>) { return b < a ? b : a; }
#if XOPTIM_SIMD
            else { return xsimd::select(b < a, b, a); }
#endif
        }

        // Clamp into [lo, hi]; NaN stays NaN.
        template <element T>
        inline T clamp(const T& x, const T& lo, const T& hi) noexcept
        {
            return math::min(math::max(x, lo), hi);
        }

        // sign(x) in {-1, 0, +1}; NaN stays NaN (Lion's `sign`, MAE's derivative).
        template <element T>
        inline T sign(const T& x) noexcept
        {
            using V = scalar_t<T>;
            if constexpr (std::floating_point<T>) { return x > V(0) ? V(1) : (x < V(0) ? V(-1) : x); }
#if XOPTIM_SIMD
            else
            {
                const T one(V(1));
                return xsimd::select(x > T(V(0)), one, xsimd::select(x < T(V(0)), -one, x));
            }
#endif
        }

        // mask ? a : b, lane by lane for batches (mask from a comparison of T).
        template <element T, class Mask>
        inline T select(const Mask& mask, const T& a, const T& b) noexcept
        {
            if constexpr (std::floating_point<T>) { return mask ? a : b; }
#if XOPTIM_SIMD
            else { return xsimd::select(mask, a, b); }
#endif
        }

        // The sum of the lanes of a batch; a scalar itself.
        template <element T>
        inline scalar_t<T> sum_lanes(const T& x) noexcept
        {
            if constexpr (std::floating_point<T>) { return x; }
#if XOPTIM_SIMD
            else { return xsimd::hadd(x); }
#endif
        }
    }
}
