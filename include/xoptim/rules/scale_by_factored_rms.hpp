#pragma once
// [..., n, m]: R <- lerp(R, mean_j G^2, t^tau), C <- lerp(C, mean_i G^2, t^tau), V = R C / max(mean_i R, eps1); vectors: V <- lerp(V, G^2, t^tau);
// out = G / max(sqrt(V), eps1) (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost", Alg. 4-5, as torch 2.5's Adafactor).

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>
#include <tuple>

#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    namespace constraints
    {
        inline constexpr constraint non_positive{"finite and <= 0",
                                                 [](double v) { return v <= 0.0 && std::isfinite(v); }};
        inline constexpr constraint non_negative_or_minus_one{
            "finite and >= 0, or -1 (the machine epsilon of the value type)",
            [](double v) { return v == -1.0 || (v >= 0.0 && std::isfinite(v)); }};
    }

    // The second-moment estimate of Adafactor, factored over the last two dimensions of a tensor
    // of rank >= 2 (O(n + m) state for an n x m matrix, each leading index its own matrix), whole
    // for a vector. Pass 1 accumulates the squared gradient's row sums (per row, into R at the end
    // of each row) and column sums (into the scratch slot S, into C after the matrix's last row);
    // the passes after it read R, C and mean R to scale the gradient. torch's lerp, its mean
    // rather than the paper's sum, and its eps1 (on mean R and on sqrt(V), not added to G^2).
    struct scale_by_factored_rms
    {
        static constexpr std::string_view name = "scale_by_factored_rms";
        double beta2_decay = -0.8;  // tau: 1 - beta2_t = t^tau
        double eps1 = -1.0;         // -1: the machine epsilon of the value type (torch's None)
        bool maximize = false;      // step along +g

        // R (per row), C (per column), S (column sums of the step, zero between steps),
        // max(mean R, eps1) (per matrix); V (per element, vectors only).
        static constexpr std::size_t row = 0, column = 1, column_sums = 2, matrix = 3, full = 4;
        static constexpr std::size_t max_slots = 5;
        static constexpr std::array<slot_extent, max_slots> extents{slot_extent::rows, slot_extent::columns,
                                                                    slot_extent::columns, slot_extent::matrices,
                                                                    slot_extent::elements};
        std::size_t slots() const noexcept { return max_slots; }

        // One sum, taken per row: sum_j G^2 of the row.
        static constexpr std::size_t reductions = 1;
        static constexpr std::size_t row_reductions = 1;

        template <class V>
        struct coefficients_type
        {
            V weight;            // t^tau = 1 - beta2_t, the lerp weight
            V one_minus_weight;  // 1 - weight, for the lerp's upper branch
            bool upper;          // weight >= 0.5: torch's lerp computes b - (b - a)(1 - w)
            V eps1, eps1_sq;
            V sign;  // -1 under maximize
        };

        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double w = math::pow(static_cast<double>(s.step), beta2_decay);
            const V e = eps1 < 0.0 ? std::numeric_limits<V>::epsilon() : static_cast<V>(eps1);
            return {static_cast<V>(w), static_cast<V>(1.0 - w), w >= 0.5, e, e * e, static_cast<V>(maximize ? -1 : 1)};
        }

        // lerp(a, b, weight) as torch's CPU kernel computes it.
        template <class T, class C>
        static T lerp(const C& c, const T& a, const T& b) noexcept
        {
            if (c.upper) { return b - (b - a) * T(c.one_minus_weight); }
            return a + T(c.weight) * (b - a);
        }

        template <element T>
        void accumulate(const coefficients_type<scalar_t<T>>& c, const T&, const T& u, T* acc,
                        const slot_view<scalar_t<T>>& state) const
        {
            const T sq = u * u;
            if (state.in_use(full)) { state.store(full, lerp(c, state.template load<T>(full), sq)); }
            else
            {
                acc[0] += sq;
                state.store(column_sums, state.template load<T>(column_sums) + sq);
            }
        }

        template <class V>
        void finish(coefficients_type<V>&, const double*) const
        {}

        // The end of a row: R_i <- lerp(R_i, sum_j G^2 / m).
        template <class V>
        void finish_row(const coefficients_type<V>& c, const double* sums, V* const* slots,
                        const tensor_geometry& geometry) const
        {
            if (geometry.cols == 0) { return; }  // an empty row: R stays as it is
            const V mean = static_cast<V>(sums[0]) / static_cast<V>(geometry.cols);
            slots[row][0] = lerp(c, slots[row][0], mean);
        }

        // After a matrix's last row: C_j <- lerp(C_j, S_j / n), S_j <- 0, and max(mean_i R_i, eps1).
        template <class V>
        void finish_matrix(const coefficients_type<V>& c, V* const* slots, const tensor_geometry& geometry) const
        {
            if (geometry.rows == 0) { return; }  // an empty matrix: C stays as it is
            const V n = static_cast<V>(geometry.rows);
            for (std::size_t j = 0; j < geometry.cols; ++j)
            {
                slots[column][j] = lerp(c, slots[column][j], slots[column_sums][j] / n);
                slots[column_sums][j] = V(0);
            }
            V total = V(0);
            for (std::size_t i = 0; i < geometry.rows; ++i) { total += slots[row][i]; }
            slots[matrix][0] = math::max(total / n, c.eps1);
        }

        template <element T>
        T replay(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                 const slot_view<scalar_t<T>>& state) const
        {
            T v;
            if (state.in_use(full)) { v = state.template load<T>(full); }
            else
            {
                v = (state.template broadcast<T>(row) * state.template load<T>(column))
                    / state.template broadcast<T>(matrix);
            }
            return (T(1) / math::sqrt(math::max(v, T(c.eps1_sq)))) * (T(c.sign) * u);
        }

        // Its state is updated in pass 1 (accumulate and the finish steps); apply only reads it.
        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T& w, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            return replay(c, w, u, state);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("beta2_decay", &scale_by_factored_rms::beta2_decay, constraints::non_positive,
                                    "decay exponent of the second moment: 1 - beta2_t = t^beta2_decay"),
                              param("eps1", &scale_by_factored_rms::eps1, constraints::non_negative_or_minus_one,
                                    "floor of mean R and of sqrt(V); -1: the value type's machine epsilon"),
                              param("maximize", &scale_by_factored_rms::maximize, constraints::none,
                                    "maximise the objective (step along +g)")};
        }
    };
}
