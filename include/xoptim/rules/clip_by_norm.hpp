#pragma once
// Per-tensor norm clipping: out = min(1, max_norm / (||u|| + 1e-6)) u
// (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks"; PyTorch clip_grad_norm_).

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct clip_by_norm
    {
        static constexpr std::string_view name = "clip_by_norm";
        double max_norm = 1.0;

        static constexpr std::size_t max_slots = 0;
        static constexpr std::size_t reductions = 1;  // sum u^2
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V scale;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {V(1)};
        }

        template <element T>
        void accumulate(const coefficients_type<scalar_t<T>>&, const T&, const T& u, T* acc) const
        {
            acc[0] += u * u;
        }

        template <class V>
        void finish(coefficients_type<V>& c, const double* sums) const
        {
            const double coef = max_norm / (std::sqrt(sums[0]) + 1e-6);
            c.scale = static_cast<V>(coef < 1.0 ? coef : 1.0);
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u, const slot_view<scalar_t<T>>&) const
        {
            return c.scale * u;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("max_norm", &clip_by_norm::max_norm, constraints::positive,
                                    "largest norm of each tensor's update")};
        }
    };
}
