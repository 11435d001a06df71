#pragma once
// PyTorch's momentum: b <- mu b + (1 - dampening) u (b <- u on the first step); out = b, or
// u + mu b with Nesterov (Polyak 1964; Sutskever et al. 2013, "On the importance of initialization and momentum").

#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct trace
    {
        static constexpr std::string_view name = "trace";
        double momentum = 0.0;
        double dampening = 0.0;
        bool nesterov = false;

        // The momentum buffer; none when momentum is 0 (then the rule is the identity).
        static constexpr std::size_t max_slots = 1;
        std::size_t slots() const noexcept { return momentum != 0.0 ? 1 : 0; }

        template <class V>
        struct coefficients_type
        {
            V mu;     // weight of the old buffer (0 on the first step)
            V scale;  // weight of the incoming direction (1 on the first step)
            V nest;   // mu if Nesterov, else 0
            bool active;
            bool nesterov;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const bool first = s.step <= 1;
            return {first ? V(0) : static_cast<V>(momentum), first ? V(1) : static_cast<V>(1.0 - dampening),
                    static_cast<V>(momentum), momentum != 0.0, nesterov};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            if (!c.active) { return u; }
            const T b = c.mu * state.template load<T>(0) + c.scale * u;
            state.store(0, b);
            return c.nesterov ? u + c.nest * b : b;
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                 const slot_view<scalar_t<T>>& state) const
        {
            if (!c.active) { return u; }
            const T b = state.template load<T>(0);
            return c.nesterov ? u + c.nest * b : b;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("momentum", &trace::momentum, constraints::non_negative, "momentum factor"),
                              param("dampening", &trace::dampening, constraints::closed_unit_interval,
                                    "dampening of the momentum buffer"),
                              param("nesterov", &trace::nesterov, constraints::none, "Nesterov momentum")};
        }

        void check_relations(std::string_view owner) const
        {
            if (nesterov && !(momentum > 0.0))
            {
                detail::invalid_named(owner, "momentum", momentum, "> 0 with nesterov");
            }
            if (nesterov && dampening != 0.0)
            {
                detail::invalid_named(owner, "dampening", dampening, "0 with nesterov");
            }
        }
    };
}
