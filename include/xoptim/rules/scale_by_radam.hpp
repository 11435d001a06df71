#pragma once
// m, v as Adam; rho_t = rho_inf - 2 t b2^t / (1-b2^t), rho_inf = 2/(1-b2) - 1; out = m/(1-b1^t) * r_t sqrt(1-b2^t) / (sqrt(v) + eps)
// if rho_t > 5, else m/(1-b1^t), r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t)) (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond").

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
    struct scale_by_radam
    {
        static constexpr std::string_view name = "scale_by_radam";
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;

        // m and v, as Adam's
        static constexpr std::size_t max_slots = 2;
        std::size_t slots() const noexcept { return 2; }

        template <class V>
        struct coefficients_type
        {
            V b1, one_minus_b1, b2, one_minus_b2;
            V inv_bias1;  // 1 / (1 - b1^t)
            V rectifier;  // r_t sqrt(1 - b2^t), when rectified
            V eps;
            bool rectified;  // rho_t > 5: the variance of the adaptive rate is tractable
        };

        // The length of the approximated simple moving average at step t.
        double rho(double t) const
        {
            const double rho_inf = 2.0 / (1.0 - beta2) - 1.0;
            return rho_inf - 2.0 * t * math::pow(beta2, t) / (1.0 - math::pow(beta2, t));
        }

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double t = static_cast<double>(s.step);
            const double bias2 = 1.0 - math::pow(beta2, t);
            const double rho_inf = 2.0 / (1.0 - beta2) - 1.0;
            const double rho_t = rho(t);
            const bool rectified = rho_t > 5.0;
            const double r =
                rectified
                    ? std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                    : 0.0;
            return {static_cast<V>(beta1),
                    static_cast<V>(1.0 - beta1),
                    static_cast<V>(beta2),
                    static_cast<V>(1.0 - beta2),
                    static_cast<V>(1.0 / (1.0 - math::pow(beta1, t))),
                    static_cast<V>(r * std::sqrt(bias2)),
                    detail::positive_as<V>(eps),
                    rectified};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T m = c.b1 * state.template load<T>(0) + c.one_minus_b1 * u;
            const T v = c.b2 * state.template load<T>(1) + c.one_minus_b2 * (u * u);
            state.store(0, m);
            state.store(1, v);
            return direction(c, m, v);
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T&, const slot_view<scalar_t<T>>& state) const
        {
            return direction(c, state.template load<T>(0), state.template load<T>(1));
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("beta1", &scale_by_radam::beta1, constraints::unit_interval, "first-moment decay"),
                param("beta2", &scale_by_radam::beta2, constraints::unit_interval, "second-moment decay"),
                param("eps", &scale_by_radam::eps, constraints::positive, "term added to the denominator")};
        }

    private:
        template <element T>
        static T direction(const coefficients_type<scalar_t<T>>& c, const T& m, const T& v)
        {
            const T corrected = m * c.inv_bias1;
            if (!c.rectified) { return corrected; }
            return corrected * c.rectifier / (math::sqrt(v) + c.eps);
        }
    };
}
