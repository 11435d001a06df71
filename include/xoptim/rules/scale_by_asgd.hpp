#pragma once
// out = lambd eta_t w + eta_t u (w <- w (1 - lambd eta_t) - eta_t u), eta_t = lr / (1 + lambd lr (t-1))^alpha; ax <- ax + mu_t (w - ax),
// mu_t = 1 / max(1, t - 1 - t0): averaged SGD (Polyak & Juditsky 1992, "Acceleration of Stochastic Approximation by Averaging"; PyTorch's ASGD).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    // The last link of its chain: it computes the new parameter w - out the engine will store,
    // to average it into ax (slot 0), so nothing may follow it.
    struct scale_by_asgd
    {
        static constexpr std::string_view name = "scale_by_asgd";
        double lr = 1e-2;
        double lambd = 1e-4;
        double alpha = 0.75;
        double t0 = 1e6;

        // ax, the running average of the parameters
        static constexpr std::size_t max_slots = 1;
        static constexpr std::size_t averaged_slot = 0;
        std::size_t slots() const noexcept { return 1; }

        template <class V>
        struct coefficients_type
        {
            V eta, decay, mu;  // decay = lambd * eta
            bool copy;         // mu == 1: ax is the parameter itself
        };

        double learning_rate(const step_info&) const { return lr; }

        // PyTorch computes eta and mu at the end of a step, for the next one, from the steps
        // taken so far: step t uses t - 1 (and eta_1 = lr).
        double eta(const step_info& s) const
        {
            return lr / math::pow(1.0 + lambd * lr * static_cast<double>(s.step - 1), alpha);
        }
        double mu(const step_info& s) const
        {
            return s.step <= 1 ? 1.0 : 1.0 / std::max(1.0, static_cast<double>(s.step - 1) - t0);
        }

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double e = eta(s), m = mu(s);
            return {static_cast<V>(e), static_cast<V>(lambd * e), static_cast<V>(m), m == 1.0};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T out = c.decay * w + c.eta * u;
            const T next = w - out;  // what the engine stores
            if (c.copy) { state.store(0, next); }
            else
            {
                const T ax = state.template load<T>(0);
                state.store(0, ax + (next - ax) * c.mu);
            }
            return out;
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("lr", &scale_by_asgd::lr, constraints::non_negative, "learning rate"),
                              param("lambd", &scale_by_asgd::lambd, constraints::non_negative, "decay term"),
                              param("alpha", &scale_by_asgd::alpha, constraints::finite, "power of the eta update"),
                              param("t0", &scale_by_asgd::t0, constraints::finite, "step at which averaging starts")};
        }
    };
}
