#pragma once
// What every optimizer of 2-D parameters shares (Muon, Shampoo): validated options, a step count,
// 2-D tensors registered by reference, one state per tensor, shape checks before anything
// changes, and the checkpoint reader's restore. The optimizer itself is its Rule, which gives:
//   options_type, template <class V> state_type, name ("muon"), title ("Muon"), with_adamw (the
//   one-call split to suggest for other tensors), validate(options) and
//   step_one(options, step, state, param, grad): the update of one tensor at step `step`.

#include <array>
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

#include "../core/tensor_ref.hpp"
#include "../core/validate.hpp"

namespace xoptim
{
    namespace detail
    {
        // torch's lerp: a + w (b - a), computed from the nearer end (ATen's lerp kernel).
        template <class V>
        V torch_lerp(V a, V b, V w) noexcept
        {
            return std::abs(w) < V(0.5) ? a + w * (b - a) : b - (b - a) * (V(1) - w);
        }
    }

    template <class Rule, class V = double>
    class matrix_optimizer
    {
        static_assert(std::is_same_v<V, float> || std::is_same_v<V, double>, "xoptim: V must be float or double");

    public:
        using rule_type = Rule;
        using value_type = V;
        using options_type = typename Rule::options_type;
        using state_type = typename Rule::template state_type<V>;

        explicit matrix_optimizer(const options_type& o = {}) : m_options(o) { Rule::validate(o); }

        const options_type& options() const noexcept { return m_options; }
        // Replaces the hyperparameters; the state is kept. Invalid options change nothing.
        void set_options(const options_type& o)
        {
            Rule::validate(o);
            m_options = o;
        }
        double learning_rate() const noexcept { return m_options.lr; }
        void set_lr(double lr)
        {
            options_type o = m_options;
            o.lr = lr;
            set_options(o);
        }
        std::uint64_t step_count() const noexcept { return m_step; }

        // Registers 2-D tensors (by reference, as optimizer::add_group does); step(grads) then
        // steps them. A tensor of another rank is an error naming it, and nothing is registered.
        void add_params(std::vector<tensor_ref<V>> params)
        {
            for (std::size_t k = 0; k < params.size(); ++k)
            {
                if (!params[k].present() || params[k].dimension() != 2)
                {
                    throw std::invalid_argument(
                        std::string(Rule::name) + ": parameter " + std::to_string(m_params.size() + k)
                        + (params[k].present() ? " has shape " + detail::shape_string(params[k].shape())
                                               : std::string(" is absent"))
                        + "; " + std::string(Rule::title) + " steps 2-D parameters only (route the others to AdamW: "
                        + std::string(Rule::with_adamw) + ")");
                }
            }
            for (auto& p : params) { m_params.push_back(p); }
            m_states.resize(m_params.size());
        }
        std::size_t registered_count() const noexcept { return m_params.size(); }
        // The shape {rows, cols} of registered tensor k (k < registered_count()).
        std::array<std::size_t, 2> registered_shape(std::size_t k) const
        {
            const auto s = m_params.at(k).shape();
            return {s[0], s[1]};
        }

        // One step of every registered tensor; an absent gradient leaves its tensor and state
        // as they are (torch's grad is None). Shapes are checked before anything changes.
        void step(std::span<const grad_ref<V>> grads)
        {
            if (grads.size() != m_params.size())
            {
                throw std::invalid_argument(std::string(Rule::name) + "::step: grads has "
                                            + std::to_string(grads.size()) + " tensors, "
                                            + std::to_string(m_params.size()) + " are registered");
            }
            for (std::size_t k = 0; k < grads.size(); ++k)
            {
                if (grads[k].present()) { check_shape(k, m_params[k], grads[k]); }
            }
            ++m_step;
            for (std::size_t k = 0; k < grads.size(); ++k)
            {
                if (grads[k].present()) { Rule::step_one(m_options, m_step, m_states[k], m_params[k], grads[k]); }
            }
        }
        void step(std::initializer_list<grad_ref<V>> grads)
        {
            step(std::span<const grad_ref<V>>(grads.begin(), grads.size()));
        }

        // One step of a single 2-D contiguous tensor (state 0), without registration.
        template <class P, class G>
        void step(P& param, const G& grad)
        {
            if (!m_params.empty())
            {
                throw std::logic_error(std::string(Rule::name)
                                       + "::step: tensors are registered; step them with step(grads)");
            }
            tensor_ref<V> p(param);
            grad_ref<V> g(grad);
            if (p.dimension() != 2)
            {
                throw std::invalid_argument(std::string(Rule::name) + "::step: parameter has shape "
                                            + detail::shape_string(p.shape()) + "; " + std::string(Rule::title)
                                            + " steps 2-D parameters only");
            }
            check_shape(0, p, g);
            if (m_states.empty()) { m_states.resize(1); }
            ++m_step;
            Rule::step_one(m_options, m_step, m_states[0], p, g);
        }

        std::size_t state_count() const noexcept { return m_states.size(); }
        const state_type& state(std::size_t t = 0) const
        {
            if (t >= m_states.size())
            {
                throw std::out_of_range(std::string(Rule::name) + "::state: tensor index " + std::to_string(t)
                                        + " out of range (have " + std::to_string(m_states.size()) + ")");
            }
            return m_states[t];
        }
        // For the checkpoint reader: replaces step count and states at once.
        void restore(std::uint64_t step, std::vector<state_type> states, const options_type& o)
        {
            Rule::validate(o);
            if (!m_params.empty() && states.size() != m_params.size())
            {
                throw std::invalid_argument(std::string(Rule::name) + ": a state of " + std::to_string(states.size())
                                            + " tensors for " + std::to_string(m_params.size()) + " registered");
            }
            m_options = o;
            m_step = step;
            m_states = std::move(states);
        }

    private:
        static void check_shape(std::size_t k, const tensor_ref<V>& p, const grad_ref<V>& g)
        {
            if (!detail::same_shape(p.shape(), g.shape()))
            {
                throw std::invalid_argument(std::string(Rule::name) + "::step: grad of tensor " + std::to_string(k)
                                            + " has shape " + detail::shape_string(g.shape()) + ", its parameter "
                                            + detail::shape_string(p.shape()));
            }
        }

        options_type m_options;
        std::uint64_t m_step = 0;
        std::vector<tensor_ref<V>> m_params;
        std::vector<state_type> m_states;
    };
}
