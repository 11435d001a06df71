#pragma once
// Global-norm clipping: out = min(1, max_norm / (||g||_group + 1e-6)) g, the norm over every tensor a step
// updates together (PyTorch's clip_grad_norm_, norm type 2; Pascanu, Mikolov & Bengio 2013).

#include <cmath>
#include <cstddef>
#include <string_view>
#include <tuple>

#include "../core/hyperparameters.hpp"
#include "../core/reducing_rule.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct clip_by_global_norm
    {
        static constexpr std::string_view name = "clip_by_global_norm";
        double max_norm = 1.0;
        // Whether the norm spans every registered group a step(grads) updates (as
        // clip_grad_norm_ over all of a model's parameters), not only this link's group.
        bool across_groups = false;

        static constexpr std::size_t max_slots = 0;
        static constexpr std::size_t reductions = 1;  // sum g^2
        static constexpr reduction_scope scope = reduction_scope::group;
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V scale;
            double total_norm;  // the norm the scale was made from, for reporting
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {V(1), 0.0};
        }

        template <element T>
        void accumulate(const coefficients_type<scalar_t<T>>&, const T&, const T& u, T* acc) const
        {
            acc[0] += u * u;
        }

        template <class V>
        void finish(coefficients_type<V>& c, const double* sums) const
        {
            const double total = std::sqrt(sums[0]);
            const double coef = max_norm / (total + 1e-6);
            c.scale = static_cast<V>(coef < 1.0 ? coef : 1.0);
            c.total_norm = total;
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u, const slot_view<scalar_t<T>>&) const
        {
            return c.scale * u;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("max_norm", &clip_by_global_norm::max_norm, constraints::positive,
                                    "largest norm of the gradients of a group (or of all groups)"),
                              param("across_groups", &clip_by_global_norm::across_groups, constraints::none,
                                    "take the norm over every group stepped together")};
        }
    };

}
