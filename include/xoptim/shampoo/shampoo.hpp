#pragma once
// Shampoo for 2-D parameters, grafted to Adam's step size, as Distributed Shampoo defines it:
//   L_t = b2 L + (1 - b2) G G^T,  R_t = b2 R + (1 - b2) G^T G      (b2 = 1: plain sums)
//   every precondition_frequency steps: L^ = (L_t / c2 + eps I)^(-1/4), R^ likewise (eigh)
//   V_t = g2 V + (1 - g2) G^2,  F_t = b1 F + (1 - b1) G,  Gb = F_t / (1 - b1^t)
//   A = Gb / (sqrt(V_t / (1 - g2^t)) + geps),  S = L^ Gb R^,  P = S ||A||_F / (||S||_F + 1e-16)
//   (P = A before start_preconditioning_step),  P += wd W,  momentum on P,  W -= lr P
// Gupta, Koren & Singer 2018, "Shampoo: Preconditioned Stochastic Tensor Optimization"; Shi et
// al. 2023, "A Distributed Data-Parallel PyTorch Implementation of the Distributed Shampoo
// Optimizer" (facebookresearch/optimizers, distributed_shampoo: DistributedShampoo with
// AdamGraftingConfig). Names and defaults as there; docs/optimizers.md lists what is left out.
//
// Like Muon, an optimizer of its own family rather than a chain: the factor statistics, the
// inverse roots and the preconditioned direction are matrix products and a symmetric
// eigendecomposition (xtensor-blas: xt::blas::gemm, xt::linalg::eigh = LAPACK syevd) between
// elementwise passes. docs/design.md says why.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <xtensor-blas/xblas.hpp>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/tensor_ref.hpp"
#include "../core/validate.hpp"
#include "../muon/matrix_optimizer.hpp"

namespace xoptim
{
    // DistributedShampoo's names and defaults (betas split as beta1, beta2), with Adam grafting
    // (AdamGraftingConfig's beta2 and epsilon as grafting_beta2, grafting_epsilon).
    struct shampoo_options
    {
        double lr = 1e-2;
        double beta1 = 0.9;  // betas[0]: the gradient's moving average ("filtered gradient")
        double beta2 = 1.0;  // betas[1]: the factor matrices' moving average (1: sums)
        double epsilon = 1e-12;
        double momentum = 0.0;
        double dampening = 0.0;
        double weight_decay = 0.0;
        std::uint64_t precondition_frequency = 1;
        std::int64_t start_preconditioning_step = -1;  // -1: precondition_frequency
        bool use_nesterov = false;
        bool use_bias_correction = true;
        bool use_decoupled_weight_decay = true;
        double grafting_beta2 = 0.999;
        double grafting_epsilon = 1e-8;

        // Each declared once; validate_shampoo adds the one rule between two of them.
        static constexpr auto hyperparameters()
        {
            constexpr constraint half_open{"in (0, 1]", [](double v) { return v > 0.0 && v <= 1.0; }};
            constexpr constraint one_or_more{">= 1", [](double v) { return v >= 1.0; }};
            constexpr constraint minus_one_or_more{">= -1", [](double v) { return v >= -1.0; }};
            return std::tuple{
                param("lr", &shampoo_options::lr, constraints::non_negative, "learning rate"),
                param("beta1", &shampoo_options::beta1, constraints::unit_interval,
                      "the gradient's moving average (betas[0]; 0: none)"),
                param("beta2", &shampoo_options::beta2, half_open,
                      "the factor matrices' moving average (betas[1]; 1: sums)"),
                param("epsilon", &shampoo_options::epsilon, constraints::positive,
                      "added to the factor matrices' eigenvalues"),
                param("momentum", &shampoo_options::momentum, constraints::unit_interval, "momentum factor"),
                param("dampening", &shampoo_options::dampening, constraints::unit_interval, "dampening for momentum"),
                param("weight_decay", &shampoo_options::weight_decay, constraints::non_negative,
                      "weight decay (decoupled unless turned off)"),
                param("precondition_frequency", &shampoo_options::precondition_frequency, one_or_more,
                      "steps between recomputed inverse roots"),
                param("start_preconditioning_step", &shampoo_options::start_preconditioning_step, minus_one_or_more,
                      "the first preconditioned step (-1: precondition_frequency)"),
                param("use_nesterov", &shampoo_options::use_nesterov, constraints::none, "Nesterov momentum"),
                param("use_bias_correction", &shampoo_options::use_bias_correction, constraints::none,
                      "bias-corrected moving averages"),
                param("use_decoupled_weight_decay", &shampoo_options::use_decoupled_weight_decay, constraints::none,
                      "decoupled weight decay, p -= lr*wd*p"),
                param("grafting_beta2", &shampoo_options::grafting_beta2, half_open,
                      "the Adam graft's second-moment decay"),
                param("grafting_epsilon", &shampoo_options::grafting_epsilon, constraints::positive,
                      "the Adam graft's epsilon")};
        }

        bool operator==(const shampoo_options&) const = default;
    };

    namespace detail
    {
        inline void validate_shampoo(const shampoo_options& o)
        {
            check_declared<double>(o, "shampoo");
            if (o.start_preconditioning_step != -1
                && static_cast<std::uint64_t>(o.start_preconditioning_step) < o.precondition_frequency)
            {
                invalid("shampoo", "start_preconditioning_step", static_cast<double>(o.start_preconditioning_step),
                        ">= precondition_frequency (or -1)");
            }
        }
    }

    // The step at which Shampoo's direction replaces Adam's (start_preconditioning_step, -1
    // resolved as the reference resolves it).
    inline std::uint64_t shampoo_start_step(const shampoo_options& o) noexcept
    {
        return o.start_preconditioning_step == -1 ? o.precondition_frequency
                                                  : static_cast<std::uint64_t>(o.start_preconditioning_step);
    }

    // Whether step t (1-based) recomputes the inverse roots (the reference's compute_root_inverse).
    inline bool shampoo_recomputes(const shampoo_options& o, std::uint64_t t) noexcept
    {
        const std::uint64_t start = shampoo_start_step(o);
        return (t % o.precondition_frequency == 0 && t > start) || t == start;
    }

    // (A / scale + eps I)^(-1/root) of a symmetric A (n x n) by its eigendecomposition, with
    // the eigenvalues first shifted up to >= 0 (the reference's make_positive_semidefinite).
    // Writes into out (n x n); q is scratch of the same shape.
    template <class V>
    void inverse_root_eigh(const xt::xtensor<V, 2>& a, double scale, double eps, double root, xt::xtensor<V, 2>& q,
                           xt::xtensor<V, 2>& out)
    {
        const std::size_t n = a.shape()[0];
        xt::xtensor<V, 2> scaled = a;
        if (scale != 1.0)
        {
            const V s = static_cast<V>(scale);
            for (auto& x : scaled) { x = x / s; }
        }
        auto [lambda, vectors] = xt::linalg::eigh(scaled);
        V lo = lambda(0);
        for (std::size_t j = 1; j < n; ++j) { lo = lambda(j) < lo ? lambda(j) : lo; }
        const V shift = lo < V(0) ? -lo : V(0);
        const V e = static_cast<V>(eps);
        const V power = static_cast<V>(-1.0 / root);
        q.resize({n, n});
        for (std::size_t j = 0; j < n; ++j)
        {
            const V d = std::pow((lambda(j) + shift) + e, power);
            for (std::size_t i = 0; i < n; ++i) { q(i, j) = vectors(i, j) * d; }
        }
        xt::xtensor<V, 2> qv = vectors;
        out.resize({n, n});
        xt::blas::gemm(q, qv, out, false, true, V(1), V(0));
    }

    // The per-parameter state (all of it checkpointed but the scratch): the factor matrices
    // L (rows x rows) and R (cols x cols), their inverse roots (held between recomputations),
    // the filtered gradient, Adam grafting's second moment and the momentum buffer.
    template <class V>
    struct shampoo_state
    {
        std::size_t rows = 0;
        std::size_t cols = 0;
        xt::xtensor<V, 2> left;
        xt::xtensor<V, 2> right;
        xt::xtensor<V, 2> left_inverse_root;
        xt::xtensor<V, 2> right_inverse_root;
        xt::xtensor<V, 2> filtered_grad;
        xt::xtensor<V, 2> grafting_second_moment;
        xt::xtensor<V, 2> momentum_buffer;
        // Scratch: the gradient with L2 added, the Adam and Shampoo directions, a product.
        xt::xtensor<V, 2> grad_work;
        xt::xtensor<V, 2> adam_direction;
        xt::xtensor<V, 2> shampoo_direction;
        xt::xtensor<V, 2> product;
        xt::xtensor<V, 2> square_scratch;

        // False until the first step of its tensor.
        bool started() const noexcept { return rows != 0 || cols != 0; }

        // Zeroed statistics for a rows x cols tensor (the reference's initial state).
        void allocate(std::size_t r, std::size_t c)
        {
            rows = r;
            cols = c;
            left = xt::zeros<V>({r, r});
            right = xt::zeros<V>({c, c});
            left_inverse_root = xt::zeros<V>({r, r});
            right_inverse_root = xt::zeros<V>({c, c});
            filtered_grad = xt::zeros<V>({r, c});
            grafting_second_moment = xt::zeros<V>({r, c});
            momentum_buffer = xt::zeros<V>({r, c});
        }

        void allocate_scratch()
        {
            grad_work.resize({rows, cols});
            adam_direction.resize({rows, cols});
            shampoo_direction.resize({rows, cols});
            product.resize({rows, cols});
        }
    };

    // Shampoo as a matrix_optimizer's rule (muon/matrix_optimizer.hpp): the update of one tensor.
    struct shampoo_rule
    {
        using options_type = shampoo_options;
        template <class V>
        using state_type = shampoo_state<V>;
        static constexpr std::string_view name = "shampoo";
        static constexpr std::string_view title = "Shampoo";
        static constexpr std::string_view with_adamw = "xoptim::shampoo_with_adamw";

        static void validate(const shampoo_options& o) { detail::validate_shampoo(o); }

        template <class V>
        static double frobenius(const xt::xtensor<V, 2>& x) noexcept
        {
            double s = 0.0;
            for (const V v : x) { s += static_cast<double>(v) * static_cast<double>(v); }
            return std::sqrt(s);
        }

        template <class V>
        static void step_one(const shampoo_options& o, std::uint64_t t, shampoo_state<V>& st, const tensor_ref<V>& p,
                             const grad_ref<V>& g)
        {
            const std::size_t rows = p.shape()[0], cols = p.shape()[1];
            if (st.rows != rows || st.cols != cols || st.left.size() != rows * rows) { st.allocate(rows, cols); }
            if (rows * cols == 0) { return; }
            if (st.grad_work.size() != rows * cols) { st.allocate_scratch(); }
            const std::size_t n = rows * cols;
            V* pp = p.data();

            // Pass 1 (elementwise): the gradient with coupled L2, Adam grafting's second moment.
            V* gw = st.grad_work.data();
            const V* gp = g.data();
            const bool coupled = o.weight_decay != 0.0 && !o.use_decoupled_weight_decay;
            const V wd = static_cast<V>(o.weight_decay);
            const V g2 = static_cast<V>(o.grafting_beta2);
            const V one_minus_g2 = static_cast<V>(1.0 - o.grafting_beta2);
            V* v2 = st.grafting_second_moment.data();
            for (std::size_t i = 0; i < n; ++i)
            {
                const V gi = coupled ? gp[i] + wd * pp[i] : gp[i];
                gw[i] = gi;
                v2[i] = o.grafting_beta2 == 1.0 ? v2[i] + gi * gi : v2[i] * g2 + gi * gi * one_minus_g2;
            }

            // The factor matrices: L = b2 L + (1 - b2) G G^T, R = b2 R + (1 - b2) G^T G.
            const bool sums = o.beta2 == 1.0;
            const V keep = sums ? V(1) : static_cast<V>(o.beta2);
            const V add = sums ? V(1) : static_cast<V>(1.0 - o.beta2);
            xt::blas::gemm(st.grad_work, st.grad_work, st.left, false, true, add, keep);
            xt::blas::gemm(st.grad_work, st.grad_work, st.right, true, false, add, keep);

            // The inverse 4th roots, on the bias-corrected factors.
            if (shampoo_recomputes(o, t))
            {
                const double c2 =
                    (o.use_bias_correction && o.beta2 < 1.0) ? 1.0 - math::pow(o.beta2, static_cast<double>(t)) : 1.0;
                inverse_root_eigh(st.left, c2, o.epsilon, 4.0, st.square_scratch, st.left_inverse_root);
                inverse_root_eigh(st.right, c2, o.epsilon, 4.0, st.square_scratch, st.right_inverse_root);
            }

            // Pass 2 (elementwise): the filtered gradient and Adam's direction.
            const bool filter = o.beta1 != 0.0;
            const V one_minus_b1 = static_cast<V>(1.0 - o.beta1);
            // 1 - beta3 beta1^(t-1) with beta3 = beta1, as the reference writes it.
            const V c1 = static_cast<V>(
                o.use_bias_correction ? 1.0 - o.beta1 * math::pow(o.beta1, static_cast<double>(t - 1)) : 1.0);
            const V cg = static_cast<V>(
                o.grafting_beta2 < 1.0 ? 1.0 - math::pow(o.grafting_beta2, static_cast<double>(t)) : 1.0);
            const V geps = static_cast<V>(o.grafting_epsilon);
            V* fg = st.filtered_grad.data();
            V* gb = st.product.data();  // the filtered, bias-corrected gradient
            V* ad = st.adam_direction.data();
            for (std::size_t i = 0; i < n; ++i)
            {
                V b = gw[i];
                if (filter)
                {
                    fg[i] = detail::torch_lerp(fg[i], gw[i], one_minus_b1);
                    b = o.use_bias_correction ? fg[i] / c1 : fg[i];
                }
                gb[i] = b;
                ad[i] = b / (std::sqrt(v2[i] / cg) + geps);
            }

            // The direction: Adam's before the start step, else Shampoo's at Adam's norm.
            V* dir = ad;
            if (t >= shampoo_start_step(o))
            {
                // S = L^T^ Gb R^ (the reference's two tensordots over dimension 0).
                xt::blas::gemm(st.left_inverse_root, st.product, st.grad_work, true, false, V(1), V(0));
                xt::blas::gemm(st.grad_work, st.right_inverse_root, st.shampoo_direction, false, false, V(1), V(0));
                const V ratio = static_cast<V>(frobenius(st.adam_direction))
                                / (static_cast<V>(frobenius(st.shampoo_direction)) + static_cast<V>(1e-16));
                dir = st.shampoo_direction.data();
                for (std::size_t i = 0; i < n; ++i) { dir[i] = dir[i] * ratio; }
            }

            // Pass 3 (elementwise): decoupled decay, momentum, the update.
            const bool decoupled = o.weight_decay != 0.0 && o.use_decoupled_weight_decay;
            const bool with_momentum = o.momentum != 0.0;
            const V mu = static_cast<V>(o.momentum);
            const V one_minus_damp = static_cast<V>(1.0 - o.dampening);
            const V neg_lr = static_cast<V>(-o.lr);
            V* mb = st.momentum_buffer.data();
            for (std::size_t i = 0; i < n; ++i)
            {
                V d = decoupled ? dir[i] + wd * pp[i] : dir[i];
                if (with_momentum)
                {
                    mb[i] = mb[i] * mu + d * one_minus_damp;
                    d = o.use_nesterov ? d * one_minus_damp + mb[i] * mu : mb[i];
                }
                pp[i] = pp[i] + d * neg_lr;
            }
        }
    };

    template <class V = double>
    using shampoo_optimizer = matrix_optimizer<shampoo_rule, V>;

    template <class V = double>
    shampoo_optimizer<V> shampoo(const shampoo_options& o = {})
    {
        return shampoo_optimizer<V>(o);
    }
}
