#pragma once
// LARS local rate: out = eta ||w|| / (||u|| + wd ||w||) * (u + wd w) per tensor (1 when a norm is 0)
// (You, Gitman & Ginsburg 2017, "Large Batch Training of Convolutional Networks", Alg. 1).

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct scale_by_lars_ratio
    {
        static constexpr std::string_view name = "scale_by_lars_ratio";
        double trust_coefficient = 0.001;  // eta
        double weight_decay = 0.0;         // beta in the paper
        bool trust_ratio = true;           // false: local rate 1 (biases and norms excluded)

        static constexpr std::size_t max_slots = 0;
        static constexpr std::size_t reductions = 2;  // sum w^2, sum u^2
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V ratio;
            V wd;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {V(1), static_cast<V>(weight_decay)};
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
            const double wn = std::sqrt(sums[0]);
            const double un = std::sqrt(sums[1]);
            const double denom = un + weight_decay * wn;
            c.ratio = static_cast<V>((trust_ratio && wn > 0.0 && un > 0.0) ? trust_coefficient * wn / denom : 1.0);
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u, const slot_view<scalar_t<T>>&) const
        {
            return c.ratio * (u + c.wd * w);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("trust_coefficient", &scale_by_lars_ratio::trust_coefficient, constraints::positive,
                                    "eta: the local rate is eta ||w|| / (||g|| + wd ||w||)"),
                              param("weight_decay", &scale_by_lars_ratio::weight_decay, constraints::non_negative,
                                    "weight decay, in the local rate and the update"),
                              param("trust_ratio", &scale_by_lars_ratio::trust_ratio, constraints::none,
                                    "whether the local rate applies (false: rate 1)")
                                  .with_since(2)};
        }
    };
}
