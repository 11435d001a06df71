#pragma once
// Muon: momentum, then the update of each 2-D parameter replaced by its orthogonalisation.
//   B_t = mu B_{t-1} + (1 - mu) g_t                 (B_0 = 0; torch: buf.lerp_(g, 1 - mu))
//   U_t = (1 - mu) g_t + mu B_t   (Nesterov)  or  B_t                (torch: g.lerp(buf, mu))
//   O_t = NS_k^{(a,b,c)}(U_t; eps)                                    (muon/newton_schulz.hpp)
//   p_t = (1 - lr wd) p_{t-1} - lr' O_t,  lr' = lr sqrt(max(1, rows / cols))        ("original")
//                                         lr' = 0.2 lr sqrt(max(rows, cols))   ("match_rms_adamw")
// Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks"; Liu et al. 2025,
// "Muon is Scalable for LLM Training" (arXiv:2502.16982) for match_rms_adamw. Names, defaults
// and order of operations as torch.optim.Muon (torch >= 2.9, torch/optim/_muon.py).
//
// Muon is an optimizer of its own family, not a chain: the elementwise momentum pass writes
// its result into the Newton-Schulz workspace (not into the parameter and the slots, which is
// the engine's contract), the matrix products run in between, and a second elementwise pass
// applies decay and update. docs/design.md says why.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "../core/hyperparameters.hpp"
#include "../core/tensor_ref.hpp"
#include "../core/validate.hpp"
#include "matrix_optimizer.hpp"
#include "newton_schulz.hpp"

namespace xoptim
{
    // How the learning rate follows the matrix's shape (torch's adjust_lr_fn).
    enum class muon_lr_adjustment : std::uint8_t
    {
        original = 0,         // sqrt(max(1, rows / cols)) (Keller Jordan's)
        match_rms_adamw = 1,  // 0.2 sqrt(max(rows, cols)) (Moonshot's: reuse AdamW's lr and decay)
    };

    // torch.optim.Muon's names and defaults (use_addmm is torch's kernel choice: no meaning here).
    struct muon_options
    {
        double lr = 1e-3;
        double weight_decay = 0.1;
        double momentum = 0.95;
        bool nesterov = true;
        std::array<double, 3> ns_coefficients = muon_default_ns_coefficients;
        double eps = 1e-7;
        std::size_t ns_steps = 5;
        muon_lr_adjustment adjust_lr_fn = muon_lr_adjustment::original;

        // Each declared once (ns_coefficients, a triple, is checked finite by validate_muon).
        static constexpr auto hyperparameters()
        {
            constexpr constraint fewer_than_100{"< 100", [](double v) { return v < 100.0; }};
            constexpr constraint lr_adjustment{"original (0) or match_rms_adamw (1)",
                                               [](double v) { return v == 0.0 || v == 1.0; }};
            return std::tuple{param("lr", &muon_options::lr, constraints::non_negative, "learning rate"),
                              param("weight_decay", &muon_options::weight_decay, constraints::non_negative,
                                    "decoupled weight decay, p -= lr*wd*p"),
                              param("momentum", &muon_options::momentum, constraints::non_negative, "momentum factor"),
                              param("nesterov", &muon_options::nesterov, constraints::none, "Nesterov momentum"),
                              param("eps", &muon_options::eps, constraints::positive,
                                    "added to the Frobenius norm before the Newton-Schulz steps"),
                              param("ns_steps", &muon_options::ns_steps, fewer_than_100, "Newton-Schulz iterations"),
                              param("adjust_lr_fn", &muon_options::adjust_lr_fn, lr_adjustment,
                                    "the rate's shape factor: original or match_rms_adamw")};
        }

        bool operator==(const muon_options&) const = default;
    };

    namespace detail
    {
        inline void validate_muon(const muon_options& o)
        {
            check_declared<double>(o, "muon");
            require_finite("muon", "ns_coefficients[0]", o.ns_coefficients[0]);
            require_finite("muon", "ns_coefficients[1]", o.ns_coefficients[1]);
            require_finite("muon", "ns_coefficients[2]", o.ns_coefficients[2]);
        }
    }

    // The rate multiplier of an rows x cols matrix.
    inline double muon_lr_ratio(muon_lr_adjustment f, std::size_t rows, std::size_t cols)
    {
        const double r = static_cast<double>(rows), c = static_cast<double>(cols);
        if (f == muon_lr_adjustment::match_rms_adamw) { return 0.2 * std::sqrt(r > c ? r : c); }
        return std::sqrt(r / c > 1.0 ? r / c : 1.0);
    }

    // The per-parameter state: the momentum buffer (checkpointed) and the Newton-Schulz
    // workspace (scratch, made with the buffer on the first step).
    template <class V>
    struct muon_state
    {
        std::size_t rows = 0;
        std::size_t cols = 0;
        xt::xtensor<V, 2> momentum_buffer;
        newton_schulz_workspace<V> work;

        // False until the first step of its tensor.
        bool started() const noexcept { return rows != 0 || cols != 0; }
    };

    // Muon as a matrix_optimizer's rule (muon/matrix_optimizer.hpp): the update of one tensor.
    struct muon_rule
    {
        using options_type = muon_options;
        template <class V>
        using state_type = muon_state<V>;
        static constexpr std::string_view name = "muon";
        static constexpr std::string_view title = "Muon";
        static constexpr std::string_view with_adamw = "xoptim::muon_with_adamw";

        static void validate(const muon_options& o) { detail::validate_muon(o); }

        template <class V>
        static void step_one(const muon_options& o, std::uint64_t, muon_state<V>& st, const tensor_ref<V>& p,
                             const grad_ref<V>& g)
        {
            const std::size_t rows = p.shape()[0], cols = p.shape()[1];
            if (st.rows != rows || st.cols != cols || st.momentum_buffer.size() != rows * cols)
            {
                st.rows = rows;
                st.cols = cols;
                st.momentum_buffer = xt::zeros<V>({rows, cols});
            }
            if (rows * cols == 0) { return; }
            st.work.reshape(rows, cols);
            const V mu = static_cast<V>(o.momentum);
            const V one_minus_mu = static_cast<V>(1.0 - o.momentum);
            const std::size_t n = rows * cols;
            V* buf = st.momentum_buffer.data();
            V* x = st.work.input().data();
            const V* gp = g.data();
            // Pass 1: momentum (and Nesterov) into the workspace.
            for (std::size_t i = 0; i < n; ++i)
            {
                const V b = detail::torch_lerp(buf[i], gp[i], one_minus_mu);
                buf[i] = b;
                x[i] = o.nesterov ? detail::torch_lerp(gp[i], b, mu) : b;
            }
            // The matrix step.
            st.work.run(o.ns_coefficients, o.ns_steps, o.eps);
            // Pass 2: decoupled decay and the orthogonalised update.
            const V decay = static_cast<V>(1.0 - o.lr * o.weight_decay);
            const V rate = static_cast<V>(o.lr * muon_lr_ratio(o.adjust_lr_fn, rows, cols));
            const V* u = st.work.result().data();
            V* pp = p.data();
            for (std::size_t i = 0; i < n; ++i) { pp[i] = pp[i] * decay + (-rate) * u[i]; }
        }
    };

    template <class V = double>
    using muon_optimizer = matrix_optimizer<muon_rule, V>;

    template <class V = double>
    muon_optimizer<V> muon(const muon_options& o = {})
    {
        return muon_optimizer<V>(o);
    }
}
