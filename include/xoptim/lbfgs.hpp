#pragma once
// L-BFGS with torch.optim.LBFGS's algorithm, arguments and state (torch/optim/lbfgs.py of
// PyTorch 1.13): an optimizer of another family than the elementwise engine's, driven by a
// closure that returns the loss and writes the gradient, as torch's step(closure) is.
//
//   xoptim::lbfgs<double> opt({.lr = 1, .history_size = 10, .line_search_fn = xoptim::line_search::strong_wolfe});
//   opt.step(w, [&](const auto& w, auto& g) { ...; return loss; });   // one tensor
//   opt.step(layers, [&](const auto& ws, auto& gs) { ... });           // a list of tensors
//
// Each step runs up to max_iter iterations of
//   d_k = -H_k g_k (two-loop recursion over the last history_size pairs s_i = x_{i+1} - x_i,
//   y_i = g_{i+1} - g_i; H_0 = y.s / y.y of the newest pair), x_{k+1} = x_k + t_k d_k,
// with t_k = lr (on the very first iteration min(1, 1 / |g|_1) lr), or the strong Wolfe line
// search's step from there (lbfgs/strong_wolfe.hpp), and stops on torch's conditions. The
// same operations run in the same order as torch's, so double trajectories agree with it to
// rounding (tests/test_lbfgs.cpp against tests/data/lbfgs_*.csv).

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "core/finite.hpp"
#include "core/hyperparameters.hpp"
#include "core/step_info.hpp"
#include "core/validate.hpp"
#include "lbfgs/flat.hpp"
#include "lbfgs/history.hpp"
#include "lbfgs/options.hpp"
#include "lbfgs/strong_wolfe.hpp"

namespace xoptim
{
    // What persists between steps: torch's state of LBFGS (func_evals, n_iter, d, t, old_dirs,
    // old_stps, ro, H_diag, prev_flat_grad, prev_loss), plus the number of step() calls.
    template <class V>
    struct lbfgs_state
    {
        std::uint64_t func_evals = 0;  // closure evaluations, every step together
        std::uint64_t n_iter = 0;      // iterations, every step together
        std::uint64_t steps = 0;       // calls of step() that evaluated the closure
        xt::xtensor<V, 1> d;           // the last direction (empty before the first iteration)
        double t = 0;                  // the last step length along d
        xt::xtensor<V, 1> prev_flat_grad;
        double prev_loss = 0;
        V h_diag = 1;
        lbfgs_history<V> history;

        // Whether an iteration has run (d, prev_flat_grad and the history are meaningful).
        bool started() const noexcept { return n_iter > 0; }
        std::size_t size() const noexcept { return prev_flat_grad.size(); }
    };

    // Thrown by lbfgs::step under nonfinite_policy::throw_error when the closure returns a
    // non-finite loss or gradient; the parameters and the state are as they were before the step.
    class nonfinite_closure : public std::domain_error
    {
    public:
        static constexpr std::size_t loss_value = std::numeric_limits<std::size_t>::max();

        nonfinite_closure(std::size_t evaluation, std::size_t element, double value)
            : std::domain_error(
                "xoptim::lbfgs::step: evaluation " + std::to_string(evaluation) + " of the closure in this step "
                + (element == loss_value ? std::string("returned a loss of ")
                                         : "wrote a gradient of " + std::string(describe(value)) + " at element "
                                               + std::to_string(element) + std::string(" (flat index); value "))
                + describe(value) + "; nothing was changed"),
              m_evaluation(evaluation), m_element(element), m_value(value)
        {}

        // 1 for the evaluation at the parameters given, counting up.
        std::size_t evaluation() const noexcept { return m_evaluation; }
        // The gradient element (in the order of the flattened parameters), or loss_value.
        std::size_t element() const noexcept { return m_element; }
        double value() const noexcept { return m_value; }

    private:
        static const char* describe(double v) { return v != v ? "nan" : (v > 0 ? "inf" : "-inf"); }
        std::size_t m_evaluation, m_element;
        double m_value;
    };

    namespace detail
    {
        // A non-finite value from the closure under a checking policy, on its way out of a
        // step that is then undone.
        struct lbfgs_ops_nonfinite
        {
            std::size_t evaluation, element;
            double value, first_loss;
        };
    }

    namespace detail::lbfgs_params
    {
        // One tensor: contiguous row-major storage of V (an xtensor, xarray, xtensor_fixed or
        // adaptor over a buffer).
        template <class P, class V>
        concept tensor_of = requires(P& p)
        {
            {
                p.data()
                } -> std::convertible_to<const V*>;
            p.size();
            p.shape();
            p.strides();
        }
        &&std::is_same_v<std::remove_cv_t<typename P::value_type>, V>;

        template <class P>
        bool contiguous(const P& p)
        {
            std::ptrdiff_t expected = 1;
            const auto& shape = p.shape();
            const auto& strides = p.strides();
            for (std::size_t k = shape.size(); k-- > 0;)
            {
                if (shape[k] != 1 && static_cast<std::ptrdiff_t>(strides[k]) != expected) { return false; }
                expected *= static_cast<std::ptrdiff_t>(shape[k]);
            }
            return true;
        }

        template <class V>
        struct segment
        {
            V* data;
            std::size_t size;
        };

        template <class V, class P>
        void check_tensor(const P& p, std::size_t k)
        {
            if (!contiguous(p))
            {
                throw std::invalid_argument("lbfgs: parameter tensor " + std::to_string(k)
                                            + " is not contiguous (row-major); L-BFGS steps its storage");
            }
        }

        // The storage of params (one tensor or a range of them), in order.
        template <class V, class P>
        void segments_of(P& params, std::vector<segment<V>>& out)
        {
            out.clear();
            if constexpr (tensor_of<P, V>)
            {
                check_tensor<V>(params, 0);
                out.push_back({params.data(), params.size()});
            }
            else
            {
                std::size_t k = 0;
                for (auto& p : params)
                {
                    static_assert(
                        tensor_of<std::remove_cvref_t<decltype(p)>, V>,
                        "xoptim::lbfgs: parameters are a tensor of the optimizer's value type or a range of them");
                    check_tensor<V>(p, k++);
                    out.push_back({p.data(), p.size()});
                }
            }
        }

        template <class V, class T>
        using gradient_view = decltype(xt::adapt(std::declval<V*>(), std::size_t{}, xt::no_ownership(),
                                                 std::declval<const typename std::remove_cvref_t<T>::shape_type&>()));
    }

    template <class V = double>
    class lbfgs
    {
        static_assert(std::is_same_v<V, float> || std::is_same_v<V, double>,
                      "xoptim::lbfgs: V must be float or double");

    public:
        using value_type = V;
        using vector_type = xt::xtensor<V, 1>;
        using state_type = lbfgs_state<V>;
        static constexpr std::string_view kind = "lbfgs";

        explicit lbfgs(lbfgs_options options = {})
        {
            options.template validate<V>();
            options.max_eval = options.resolved_max_eval();
            m_options = options;
            m_state.history = lbfgs_history<V>(static_cast<std::size_t>(options.history_size));
        }

        const lbfgs_options& options() const noexcept { return m_options; }
        std::string_view name() const noexcept { return kind; }

        // ---- hyperparameters by name (torch's param_groups[0][name]) ----------------------
        std::vector<std::string> hyperparameter_names() const
        {
            return detail::public_names(detail::named_entries(std::tuple<lbfgs_options>{m_options}));
        }

        double get(std::string_view name) const
        {
            return detail::get_named(std::tuple<lbfgs_options>{m_options}, name, step_info{m_state.steps + 1}, kind);
        }

        // Checked as at construction; history_size cannot change once there is a history.
        // Nothing changes on an error. max_eval = -1 becomes max_iter * 5 / 4 again.
        void set(std::string_view name, double value)
        {
            std::tuple<lbfgs_options> links{m_options};
            detail::set_named(links, name, value, step_info{m_state.steps + 1}, kind);
            lbfgs_options changed = std::get<0>(links);
            changed.template validate<V>();
            if (changed.history_size != m_options.history_size && m_state.started())
            {
                throw std::invalid_argument("lbfgs: history_size cannot become " + detail::format_value(value)
                                            + ": the optimizer has a history of size "
                                            + std::to_string(m_options.history_size));
            }
            changed.max_eval = changed.resolved_max_eval();
            if (changed.history_size != m_options.history_size)
            {
                m_state.history = lbfgs_history<V>(static_cast<std::size_t>(changed.history_size));
            }
            m_options = changed;
        }

        double learning_rate() const noexcept { return m_options.lr; }

        // ---- counters (torch's state['func_evals'] and state['n_iter']) ------------------
        std::uint64_t func_evals() const noexcept { return m_state.func_evals; }
        std::uint64_t n_iter() const noexcept { return m_state.n_iter; }
        // Calls of step() (a step skipped for a non-finite value is not counted).
        std::uint64_t step_count() const noexcept { return m_state.steps; }
        // Closure evaluations of the last step() call.
        std::uint64_t last_step_evals() const noexcept { return m_last_evals; }
        std::uint64_t skipped_steps() const noexcept { return m_skipped; }

        const state_type& state() const noexcept { return m_state; }
        // Forgets the history and the counters, as a new optimizer with these hyperparameters
        // would have them, keeping the memory already allocated for them.
        void reset() noexcept
        {
            m_state.func_evals = 0;
            m_state.n_iter = 0;
            m_state.steps = 0;
            m_state.t = 0;
            m_state.prev_loss = 0;
            m_state.h_diag = 1;
            m_state.history.clear();
        }
        // For checkpoints (io/lbfgs_checkpoint.hpp); replacing it keeps its history's capacity.
        void set_state(state_type s) { m_state = std::move(s); }

        // What a step does with a non-finite loss or gradient from the closure:
        //  propagate (default, torch's behaviour): nothing is checked;
        //  skip_step: the step is undone (parameters and state as before it), counted in
        //             skipped_steps(), and step returns the loss the closure gave first;
        //  throw_error: the step is undone and nonfinite_closure is thrown.
        // The checking policies scan every loss and gradient, and keep a copy of the state
        // and of the parameters to undo with: twice the history's memory.
        void set_nonfinite_policy(nonfinite_policy p) noexcept { m_policy = p; }
        nonfinite_policy nonfinite() const noexcept { return m_policy; }

        // One torch LBFGS.step(closure): params is a tensor of V or a range of them (each
        // contiguous, row-major), flattened in order as torch flattens its parameter list.
        // closure(params, grads) evaluates the objective at params' current values, writes
        // every element of the gradient into grads (for one tensor an adaptor of its shape,
        // for a range a std::vector of them, one per tensor) and returns the loss (convertible
        // to double). Returns the loss of the first evaluation, at the parameters given.
        template <class Params, class Closure>
        double step(Params& params, Closure&& closure)
        {
            detail::lbfgs_params::segments_of<V>(params, m_segments);
            std::size_t n = 0;
            for (const auto& s : m_segments) { n += s.size; }
            if (m_state.started() && n != m_state.size())
            {
                throw std::invalid_argument("lbfgs: the parameters hold " + std::to_string(n)
                                            + " elements, the optimizer's state " + std::to_string(m_state.size()));
            }
            prepare(n);
            const bool checking = m_policy != nonfinite_policy::propagate;
            if (checking)
            {
                m_backup = m_state;
                gather(m_params_backup);
            }
            m_evals_in_step = 0;
            try
            {
                auto evaluate = [&](vector_type& grad) { return evaluate_into(params, closure, grad); };
                return run(evaluate);
            }
            catch (const detail::lbfgs_ops_nonfinite& e)
            {
                scatter(m_params_backup);
                std::swap(m_state, m_backup);
                ++m_skipped;
                if (m_policy == nonfinite_policy::throw_error)
                {
                    throw nonfinite_closure(e.evaluation, e.element, e.value);
                }
                return e.first_loss;
            }
        }

    private:
        template <class Params, class Closure>
        double evaluate_into(Params& params, Closure& closure, vector_type& grad)
        {
            double loss = 0;
            if constexpr (detail::lbfgs_params::tensor_of<Params, V>)
            {
                auto g = xt::adapt(grad.data(), grad.size(), xt::no_ownership(), params.shape());
                loss = static_cast<double>(closure(std::as_const(params), g));
            }
            else
            {
                using view = detail::lbfgs_params::gradient_view<V, decltype(*std::begin(params))>;
                std::vector<view> views;
                views.reserve(m_segments.size());
                std::size_t offset = 0;
                for (const auto& p : params)
                {
                    views.push_back(xt::adapt(grad.data() + offset, p.size(), xt::no_ownership(), p.shape()));
                    offset += p.size();
                }
                loss = static_cast<double>(closure(std::as_const(params), views));
            }
            ++m_evals_in_step;
            if (m_policy != nonfinite_policy::propagate) { check_finite(loss, grad); }
            return loss;
        }

        void check_finite(double loss, const vector_type& grad)
        {
            if (m_evals_in_step == 1) { m_first_loss = loss; }
            if (!std::isfinite(loss))
            {
                throw detail::lbfgs_ops_nonfinite{m_evals_in_step, nonfinite_closure::loss_value, loss, m_first_loss};
            }
            for (std::size_t i = 0; i < grad.size(); ++i)
            {
                if (!std::isfinite(grad.data()[i]))
                {
                    throw detail::lbfgs_ops_nonfinite{m_evals_in_step, i, static_cast<double>(grad.data()[i]),
                                                      m_first_loss};
                }
            }
        }

        // Buffers of n elements, made once (the history's slots as they are first used).
        void prepare(std::size_t n)
        {
            for (vector_type* v : {&m_flat_grad, &m_y, &m_s, &m_x_init, &m_g1, &m_g2})
            {
                if (v->size() != n) { v->resize({n}); }
            }
            if (m_state.d.size() != n) { m_state.d.resize({n}); }
            if (m_state.prev_flat_grad.size() != n) { m_state.prev_flat_grad.resize({n}); }
        }

        void gather(vector_type& out) const
        {
            if (out.size() != m_flat_grad.size()) { out.resize({m_flat_grad.size()}); }
            std::size_t offset = 0;
            for (const auto& s : m_segments)
            {
                std::copy(s.data, s.data + s.size, out.data() + offset);
                offset += s.size;
            }
        }

        void scatter(const vector_type& in)
        {
            std::size_t offset = 0;
            for (const auto& s : m_segments)
            {
                std::copy(in.data() + offset, in.data() + offset + s.size, s.data);
                offset += s.size;
            }
        }

        // params <- params + t d (torch's _add_grad: p.add_(d, alpha=t)).
        void add_step(double t, const vector_type& d)
        {
            const V tv = static_cast<V>(t);
            std::size_t offset = 0;
            for (const auto& s : m_segments)
            {
                auto p = xt::adapt(s.data, s.size, xt::no_ownership(), std::array<std::size_t, 1>{s.size});
                const auto dv =
                    xt::adapt(d.data() + offset, s.size, xt::no_ownership(), std::array<std::size_t, 1>{s.size});
                xt::noalias(p) += tv * dv;
                offset += s.size;
            }
        }

        template <class Evaluate>
        double run(Evaluate& evaluate)
        {
            using namespace detail::lbfgs_ops;
            const lbfgs_options& o = m_options;
            const V tolerance_grad = static_cast<V>(o.tolerance_grad);
            const V tolerance_change = static_cast<V>(o.tolerance_change);
            auto& st = m_state;

            vector_type& flat_grad = m_flat_grad;
            double loss = evaluate(flat_grad);
            const double orig_loss = loss;
            std::uint64_t current_evals = 1;
            st.func_evals += 1;
            st.steps += 1;
            m_last_evals = 1;
            if (max_abs(flat_grad) <= tolerance_grad) { return orig_loss; }

            vector_type& d = st.d;
            double t = st.t;
            std::int64_t n_iter = 0;
            while (n_iter < o.max_iter)
            {
                ++n_iter;
                ++st.n_iter;

                // The direction.
                if (st.n_iter == 1)
                {
                    xt::noalias(d) = -flat_grad;
                    st.history.clear();
                    st.h_diag = 1;
                }
                else
                {
                    xt::noalias(m_y) = flat_grad - st.prev_flat_grad;
                    xt::noalias(m_s) = d * static_cast<V>(t);
                    const V ys = dot(m_y, m_s);
                    if (ys > static_cast<V>(1e-10))
                    {
                        const V yy = dot(m_y, m_y);
                        st.history.push(m_y, m_s, V(1) / ys);
                        st.h_diag = ys / yy;
                        // push gave m_y, m_s the storage of the slot it replaced.
                        if (m_y.size() != flat_grad.size()) { m_y.resize({flat_grad.size()}); }
                        if (m_s.size() != flat_grad.size()) { m_s.resize({flat_grad.size()}); }
                    }
                    xt::noalias(d) = -flat_grad;
                    st.history.two_loop(d, st.h_diag);
                }
                xt::noalias(st.prev_flat_grad) = flat_grad;
                st.prev_loss = loss;

                // The step length.
                if (st.n_iter == 1)
                {
                    const V inverse = V(1) / sum_abs(flat_grad);
                    // torch: min(1., 1. / flat_grad.abs().sum()) * lr, a tensor of V when the
                    // reciprocal is the smaller.
                    if (inverse < V(1)) { t = static_cast<double>(static_cast<V>(inverse * static_cast<V>(o.lr))); }
                    else { t = 1.0 * o.lr; }
                }
                else { t = o.lr; }

                const V gtd = dot(flat_grad, d);
                if (gtd > -tolerance_change) { break; }

                std::uint64_t ls_func_evals = 0;
                bool opt_cond = false;
                if (o.line_search_fn == line_search::strong_wolfe)
                {
                    gather(m_x_init);
                    auto along = [&](double step, vector_type& grad) {
                        add_step(step, d);
                        const double f = evaluate(grad);
                        scatter(m_x_init);
                        return f;
                    };
                    const wolfe_result r = strong_wolfe<V>(along, t, d, loss, static_cast<double>(gtd),
                                                           std::array<vector_type*, 3>{&flat_grad, &m_g1, &m_g2});
                    loss = r.loss;
                    t = r.t;
                    ls_func_evals = r.evals;
                    add_step(t, d);
                    opt_cond = max_abs(flat_grad) <= tolerance_grad;
                }
                else
                {
                    add_step(t, d);
                    if (n_iter != o.max_iter)
                    {
                        // Not after the last iteration: torch leaves that evaluation to the next step.
                        loss = evaluate(flat_grad);
                        opt_cond = max_abs(flat_grad) <= tolerance_grad;
                        ls_func_evals = 1;
                    }
                }
                current_evals += ls_func_evals;
                st.func_evals += ls_func_evals;
                m_last_evals = current_evals;

                if (n_iter == o.max_iter) { break; }
                if (static_cast<std::int64_t>(current_evals) >= o.max_eval) { break; }
                if (opt_cond) { break; }
                if (max_abs_scaled(d, static_cast<V>(t)) <= tolerance_change) { break; }
                if (std::abs(loss - st.prev_loss) < o.tolerance_change) { break; }
            }
            st.t = t;
            return orig_loss;
        }

        lbfgs_options m_options;
        state_type m_state;
        state_type m_backup;
        nonfinite_policy m_policy = nonfinite_policy::propagate;
        std::uint64_t m_skipped = 0;
        std::uint64_t m_last_evals = 0;
        std::size_t m_evals_in_step = 0;
        double m_first_loss = 0;
        std::vector<detail::lbfgs_params::segment<V>> m_segments;
        vector_type m_flat_grad, m_y, m_s, m_x_init, m_g1, m_g2, m_params_backup;
    };
}
