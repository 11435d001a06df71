#pragma once
// m <- b1 m + (1-b1) u; v <- b2 v + (1-b2) u^2; out = (m / (1-b1^t)) / (sqrt(v) / sqrt(1-b2^t) + eps),
// with v replaced by max(v_max, v) for AMSGrad (Kingma & Ba 2015, "Adam"; Reddi et al. 2018, "On the Convergence of Adam and Beyond").

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/finite.hpp"
#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    struct scale_by_adam
    {
        static constexpr std::string_view name = "scale_by_adam";
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        bool amsgrad = false;

        // m, v, and the running maximum of v for AMSGrad.
        static constexpr std::size_t max_slots = 3;
        static constexpr bool replay_ignores_input = true;
        std::size_t slots() const noexcept { return amsgrad ? 3 : 2; }

        template <class V>
        struct coefficients_type
        {
            V b1, one_minus_b1, b2, one_minus_b2;
            // Reciprocals of the bias corrections, so that the element loop multiplies:
            // one division and one square root per element (a division costs as much as
            // the whole memory traffic of an element on AVX-512).
            V inv_bias1;       // 1 / (1 - b1^t)
            V inv_sqrt_bias2;  // 1 / sqrt(1 - b2^t)
            V eps;
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double t = static_cast<double>(s.step);
            return {static_cast<V>(beta1),
                    static_cast<V>(1.0 - beta1),
                    static_cast<V>(beta2),
                    static_cast<V>(1.0 - beta2),
                    static_cast<V>(1.0 / (1.0 - math::pow(beta1, t))),
                    static_cast<V>(1.0 / std::sqrt(1.0 - math::pow(beta2, t))),
                    detail::positive_as<V>(eps)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T m = c.b1 * state.template load<T>(0) + c.one_minus_b1 * u;
            T v = c.b2 * state.template load<T>(1) + c.one_minus_b2 * (u * u);
            state.store(0, m);
            state.store(1, v);
            if (amsgrad)
            {
                v = math::max(state.template load<T>(2), v);
                state.store(2, v);
            }
            return direction(c, m, v);
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T&, const slot_view<scalar_t<T>>& state) const
        {
            return direction(c, state.template load<T>(0), state.template load<T>(amsgrad ? 2 : 1));
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("beta1", &scale_by_adam::beta1, constraints::unit_interval, "first-moment decay"),
                param("beta2", &scale_by_adam::beta2, constraints::unit_interval, "second-moment decay"),
                param("eps", &scale_by_adam::eps, constraints::positive, "term added to the denominator"),
                param("amsgrad", &scale_by_adam::amsgrad, constraints::none, "use the maximum of past second moments")};
        }

    private:
        template <element T>
        static T direction(const coefficients_type<scalar_t<T>>& c, const T& m, const T& v)
        {
            return (m * c.inv_bias1) / (math::sqrt(v) * c.inv_sqrt_bias2 + c.eps);
        }
    };
}
