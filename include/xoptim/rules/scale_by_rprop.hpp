#pragma once
// s <- clamp(s * (eta_plus if u g_prev > 0, eta_minus if < 0, else 1), step_size_min, step_size_max); u <- 0 where u g_prev < 0;
// g_prev <- u; out = sign(u) s, s starting at lr (Riedmiller & Braun 1993, "A Direct Adaptive Method for Faster Backpropagation Learning: The RPROP Algorithm").

#include <cmath>
#include <concepts>
#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    namespace constraints
    {
        inline constexpr constraint above_one{"finite and > 1", [](double v) { return v > 1.0 && std::isfinite(v); }};
    }

    struct scale_by_rprop
    {
        static constexpr std::string_view name = "scale_by_rprop";
        double lr = 1e-2;  // the step size every element starts from
        double eta_minus = 0.5;
        double eta_plus = 1.2;
        double step_size_min = 1e-6;
        double step_size_max = 50.0;

        // the previous (masked) gradient, and each element's step size
        static constexpr std::size_t max_slots = 2;
        std::size_t slots() const noexcept { return 2; }
        double initial_value(std::size_t k) const noexcept { return k == 1 ? lr : 0.0; }

        template <class V>
        struct coefficients_type
        {
            V eta_minus, eta_plus, lo, hi;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info&) const
        {
            return {static_cast<V>(eta_minus), static_cast<V>(eta_plus), static_cast<V>(step_size_min),
                    static_cast<V>(step_size_max)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            using V = scalar_t<T>;
            const T product = u * state.template load<T>(0);
            const T size = state.template load<T>(1);
            const T factor = math::select(product > T(V(0)), T(c.eta_plus),
                                          math::select(product < T(V(0)), T(c.eta_minus), T(V(1))));
            const T g = math::select(product < T(V(0)), T(V(0)), u);
            const T s = math::clamp(size * factor, T(c.lo), T(c.hi));
            state.store(0, g);
            state.store(1, s);
            return math::sign(g) * s;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("lr", &scale_by_rprop::lr, constraints::non_negative, "initial step size"),
                              param("eta_minus", &scale_by_rprop::eta_minus, constraints::open_unit_interval,
                                    "step-size factor after a sign change (etas[0])"),
                              param("eta_plus", &scale_by_rprop::eta_plus, constraints::above_one,
                                    "step-size factor while the sign holds (etas[1])"),
                              param("step_size_min", &scale_by_rprop::step_size_min, constraints::non_negative,
                                    "smallest step size (step_sizes[0])"),
                              param("step_size_max", &scale_by_rprop::step_size_max, constraints::positive,
                                    "largest step size (step_sizes[1])")};
        }

        void check_relations(std::string_view owner) const
        {
            if (step_size_max < step_size_min)
            {
                detail::invalid_named(owner, "step_size_max", step_size_max,
                                      ">= step_size_min (" + detail::format_value(step_size_min) + ")");
            }
        }
    };
}
