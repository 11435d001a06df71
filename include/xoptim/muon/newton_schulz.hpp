#pragma once
// The quintic Newton-Schulz iteration that Muon uses to orthogonalise an update G (m x n):
//   X_0 = G / max(||G||_F, eps)
//   A_k = X_k X_k^T,  B_k = b A_k + c A_k A_k,  X_{k+1} = a X_k + B_k X_k      (k < steps)
// with (a, b, c) = (3.4445, -4.7750, 2.0315) by default. For m > n the iteration runs on the
// transpose, so that the Gram matrix is the smaller one (n x n); here that is done without
// moving data: A_k = X_k^T X_k and X_{k+1} = a X_k + X_k B_k, the transpose of the same
// iteration on X^T. The result is close to U V^T for G = U S V^T, with singular values in about
// [0.7, 1.2] rather than 1 (the coefficients maximise the slope at 0, not convergence).
// Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks"
// (https://kellerjordan.github.io/posts/muon/); as torch.optim.Muon (torch >= 2.9,
// torch/optim/_muon.py, _zeropower_via_newtonschulz) computes it, in the value type rather
// than bfloat16.
//
// Matrix products go through xtensor-blas (xt::blas::gemm) to the BLAS: this header needs
// xoptim::muon (BLAS) to link.

#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "../core/validate.hpp"

namespace xoptim
{
    // torch.optim.Muon's defaults (Keller Jordan's coefficients).
    inline constexpr std::array<double, 3> muon_default_ns_coefficients{3.4445, -4.7750, 2.0315};

    // The buffers of one matrix's iteration: X and the next X (rows x cols), A and B (k x k,
    // k = min(rows, cols)). Allocated by reshape() when the shape changes, never by run().
    template <class V>
    class newton_schulz_workspace
    {
        static_assert(std::is_same_v<V, float> || std::is_same_v<V, double>, "xoptim: V must be float or double");

    public:
        newton_schulz_workspace() = default;
        newton_schulz_workspace(std::size_t rows, std::size_t cols) { reshape(rows, cols); }

        void reshape(std::size_t rows, std::size_t cols)
        {
            if (rows == m_rows && cols == m_cols) { return; }
            const std::size_t k = rows < cols ? rows : cols;
            for (auto& x : m_x) { x.resize({rows, cols}); }
            m_a.resize({k, k});
            m_b.resize({k, k});
            m_rows = rows;
            m_cols = cols;
            m_cur = 0;
        }

        std::size_t rows() const noexcept { return m_rows; }
        std::size_t cols() const noexcept { return m_cols; }

        // The matrix to orthogonalise: fill it, then run(); run() leaves the result in result().
        xt::xtensor<V, 2>& input() noexcept { return m_x[m_cur]; }
        const xt::xtensor<V, 2>& result() const noexcept { return m_x[m_cur]; }

        // Scales input() by its Frobenius norm (clamped below at eps) and applies `steps`
        // iterations with coefficients (a, b, c).
        void run(const std::array<double, 3>& abc, std::size_t steps, double eps)
        {
            auto& x0 = m_x[m_cur];
            double sum = 0.0;
            const V* p = x0.data();
            const std::size_t n = x0.size();
            for (std::size_t i = 0; i < n; ++i) { sum += static_cast<double>(p[i]) * static_cast<double>(p[i]); }
            const double norm = std::sqrt(sum);
            const V scale = static_cast<V>(norm > eps ? norm : eps);
            V* q = x0.data();
            for (std::size_t i = 0; i < n; ++i) { q[i] /= scale; }
            iterate(abc, steps);
        }

        // The iterations alone, on input() as it is (already scaled).
        void iterate(const std::array<double, 3>& abc, std::size_t steps)
        {
            const V a = static_cast<V>(abc[0]);
            const V b = static_cast<V>(abc[1]);
            const V c = static_cast<V>(abc[2]);
            const bool tall = m_rows > m_cols;
            for (std::size_t s = 0; s < steps; ++s)
            {
                auto& x = m_x[m_cur];
                auto& next = m_x[1 - m_cur];
                // A = X X^T (wide) or X^T X (tall)
                if (tall) { xt::blas::gemm(x, x, m_a, true, false, V(1), V(0)); }
                else { xt::blas::gemm(x, x, m_a, false, true, V(1), V(0)); }
                // B = b A + c A A
                xt::noalias(m_b) = m_a;
                xt::blas::gemm(m_a, m_a, m_b, false, false, c, b);
                // X' = a X + B X (wide) or a X + X B (tall)
                xt::noalias(next) = x;
                if (tall) { xt::blas::gemm(x, m_b, next, false, false, V(1), a); }
                else { xt::blas::gemm(m_b, x, next, false, false, V(1), a); }
                m_cur = 1 - m_cur;
            }
        }

        // Floating-point operations of `steps` iterations (the three products).
        double flops(std::size_t steps) const noexcept
        {
            const double k = static_cast<double>(m_rows < m_cols ? m_rows : m_cols);
            const double l = static_cast<double>(m_rows < m_cols ? m_cols : m_rows);
            return static_cast<double>(steps) * (2.0 * k * k * l + 2.0 * k * k * k + 2.0 * k * k * l);
        }

    private:
        std::array<xt::xtensor<V, 2>, 2> m_x;
        xt::xtensor<V, 2> m_a;
        xt::xtensor<V, 2> m_b;
        std::size_t m_rows = 0;
        std::size_t m_cols = 0;
        int m_cur = 0;
    };

    // The orthogonalisation of a matrix, as a new matrix (a convenience; Muon keeps a workspace).
    template <class V>
    xt::xtensor<V, 2> newton_schulz(const xt::xtensor<V, 2>& g,
                                    const std::array<double, 3>& abc = muon_default_ns_coefficients,
                                    std::size_t steps = 5, double eps = 1e-7)
    {
        newton_schulz_workspace<V> w(g.shape()[0], g.shape()[1]);
        xt::noalias(w.input()) = g;
        w.run(abc, steps, eps);
        return w.result();
    }
}
