#pragma once
// out = alpha_t u / max(1, RMS(u) / d) + lr wd w, alpha_t = max(eps2, RMS(w)) min(lr, 1 / sqrt(t)): Adafactor's
// relative step size and update clipping (Shazeer & Stern 2018, "Adafactor", sections 5-6, Alg. 4; torch 2.5's lr and decay).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <tuple>

#include "../core/hyperparameters.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    // Sums, per tensor, the squares of its input u (the scaled gradient) and of the parameter
    // (before this step's decay); the next pass applies the step they give. lr is the largest
    // relative step and the decay's rate, as torch 2.5 uses it (the paper has no lr).
    struct scale_by_relative_step
    {
        static constexpr std::string_view name = "scale_by_relative_step";
        double lr = 1e-2;
        double eps2 = 1e-3;         // floor of RMS(w) in the step size
        double d = 1.0;             // clipping threshold of RMS(u)
        double weight_decay = 0.0;  // decoupled: w <- w - lr wd w

        static constexpr std::size_t max_slots = 0;
        static constexpr std::size_t reductions = 2;  // sum u^2, sum w^2
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V scale;      // alpha_t / max(1, RMS(u) / d), once the sums are in
            V decay;      // lr wd
            bool decays;  // wd != 0: no term at all otherwise
            double rho;   // min(lr, 1 / sqrt(t))
            double clip;  // max(1, RMS(u) / d) of the last finished tensor, for reporting
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double rho = std::min(lr, 1.0 / std::sqrt(static_cast<double>(s.step)));
            return {V(0), static_cast<V>(lr * weight_decay), weight_decay != 0.0, rho, 1.0};
        }

        double learning_rate(const step_info&) const noexcept { return lr; }

        template <element T>
        void accumulate(const coefficients_type<scalar_t<T>>&, const T& w, const T& u, T* acc) const
        {
            acc[0] += u * u;
            acc[1] += w * w;
        }

        template <class V>
        void finish(coefficients_type<V>& c, const double* sums, const tensor_geometry& geometry) const
        {
            const double root_n = std::sqrt(static_cast<double>(geometry.size));
            const double alpha = std::max(eps2, std::sqrt(sums[1]) / root_n) * c.rho;
            c.clip = std::max(1.0, std::sqrt(sums[0]) / (root_n * d));
            c.scale = static_cast<V>(alpha / c.clip);
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u, const slot_view<scalar_t<T>>&) const
        {
            if (c.decays) { return c.scale * u + c.decay * w; }
            return c.scale * u;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("lr", &scale_by_relative_step::lr, constraints::non_negative,
                                    "largest relative step size, and the rate of the weight decay"),
                              param("eps2", &scale_by_relative_step::eps2, constraints::non_negative,
                                    "floor of RMS(w) in the step size"),
                              param("d", &scale_by_relative_step::d, constraints::at_least_one,
                                    "update clipping threshold of RMS(update)"),
                              param("weight_decay", &scale_by_relative_step::weight_decay, constraints::non_negative,
                                    "decoupled weight decay, times lr")};
        }
    };
}
