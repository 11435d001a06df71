#pragma once
// v <- b2 v + (1-b2) u^2; out = u / (sqrt(v / (1 - b2^t)) + eps): Adam's second-moment scaling
// alone (Kingma & Ba 2015), as schedule-free AdamW uses it (Defazio et al. 2024, Algorithm 1).

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/finite.hpp"
#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    struct scale_by_bias_corrected_rms
    {
        static constexpr std::string_view name = "scale_by_bias_corrected_rms";
        double beta2 = 0.999;
        double eps = 1e-8;

        // v, the second moment
        static constexpr std::size_t max_slots = 1;
        std::size_t slots() const noexcept { return 1; }

        template <class V>
        struct coefficients_type
        {
            V b2, one_minus_b2, bias2, eps;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            return {static_cast<V>(beta2), static_cast<V>(1.0 - beta2),
                    static_cast<V>(1.0 - math::pow(beta2, static_cast<double>(s.step))), detail::positive_as<V>(eps)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T v = c.b2 * state.template load<T>(0) + c.one_minus_b2 * (u * u);
            state.store(0, v);
            return u / (math::sqrt(v / c.bias2) + c.eps);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("beta2", &scale_by_bias_corrected_rms::beta2, constraints::unit_interval, "second-moment decay"),
                param("eps", &scale_by_bias_corrected_rms::eps, constraints::positive,
                      "term added to the root of the second moment")};
        }
    };
}
