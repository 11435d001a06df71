#pragma once
// Layer-wise trust ratio: out = r u with r = ||w|| / ||u|| per tensor (1 when either norm is 0),
// optionally clamped to at most trust_clip (You et al. 2020, "Large Batch Optimization for Deep Learning", Alg. 2).

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    // The ratio of two norms given their squares, 1 when either is zero (or not finite).
    inline double trust_ratio(double weight_sq_norm, double update_sq_norm) noexcept
    {
        const double wn = std::sqrt(weight_sq_norm);
        const double un = std::sqrt(update_sq_norm);
        return (wn > 0.0 && un > 0.0) ? wn / un : 1.0;
    }

    struct scale_by_trust_ratio
    {
        static constexpr std::string_view name = "scale_by_trust_ratio";
        double trust_clip = 0.0;  // 0: no clamp (the seed notebook clamps at 10)
        bool trust_ratio = true;  // false: r = 1 (a group excluded from layer adaptation, as biases and norms)

        static constexpr std::size_t max_slots = 0;
        static constexpr std::size_t reductions = 2;  // sum w^2, sum u^2
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V ratio;
            double last_ratio;  // the ratio as computed in double, for reporting
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {V(1), 1.0};
        }

        template <element T>
        void accumulate(const coefficients_type<scalar_t<T>>&, const T& w, const T& u, T* acc) const
        {
            acc[0] += w * w;
            acc[1] += u * u;
        }

        template <class V>
        void finish(coefficients_type<V>& c, const double* sums) const
        {
            double r = trust_ratio ? xoptim::trust_ratio(sums[0], sums[1]) : 1.0;
            if (trust_clip > 0.0 && r > trust_clip) { r = trust_clip; }
            c.ratio = static_cast<V>(r);
            c.last_ratio = r;
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u, const slot_view<scalar_t<T>>&) const
        {
            return c.ratio * u;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("trust_clip", &scale_by_trust_ratio::trust_clip, constraints::non_negative,
                                    "upper clamp of the trust ratio; 0: none"),
                              param("trust_ratio", &scale_by_trust_ratio::trust_ratio, constraints::none,
                                    "whether the trust ratio applies (false: ratio 1)")
                                  .with_since(2)};
        }
    };
}
