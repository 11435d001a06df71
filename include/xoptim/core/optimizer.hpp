#pragma once
// optimizer<Chain, V, Policy>: parameter groups (each its own hyperparameters, step count and
// per-tensor state) around a chain of rules, stepped by the engine.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "chain.hpp"
#include "engine.hpp"
#include "finite.hpp"
#include "parallel.hpp"
#include "state.hpp"
#include "step_info.hpp"
#include "tensor_ref.hpp"

namespace xoptim
{
    // What an optimizer of value type V steps with: a chain of rules (or a type with a chain's
    // interface) that runs on V and on its xsimd batch.
    template <class C, class V>
    concept optimizer_rule =
        scalar_element<V> && std::semiregular<C> && has_links<C> && has_passes<C> && has_slot_layout<C> && runs_on<
            C, V> && runs_on<C, simd_batch<V>> && has_learning_rate<C> && has_named_hyperparameters<C, V>;

    namespace detail
    {
        // Whether a link declares that its rate follows a schedule (scale_by_lr<S>::has_schedule).
        template <class R>
        constexpr bool scheduled_link() noexcept
        {
            if constexpr (requires { R::has_schedule; }) { return bool(R::has_schedule); }
            else { return false; }
        }

        template <class Links>
        inline constexpr bool has_scheduled_link = false;
        template <class... R>
        inline constexpr bool has_scheduled_link<std::tuple<R...>> = (scheduled_link<R>() || ...);
    }

    template <class Chain, class V = double, state_policy Policy = lazy_state>
    requires optimizer_rule<Chain, V>
    class optimizer
    {
        static_assert(std::is_same_v<V, float> || std::is_same_v<V, double>, "xoptim: V must be float or double");

    public:
        using rule_type = Chain;
        using value_type = V;
        using policy_type = Policy;
        using state_type = tensor_state<V>;

        struct group_type
        {
            Chain rule;
            std::uint64_t step = 0;
            std::vector<state_type> tensors;
            std::uint64_t skipped = 0;  // steps skipped for a non-finite gradient
            // The tensors registered with the group (add_group with tensors), stepped by
            // step(grads); empty for a group stepped with step(g, params, grads).
            std::vector<tensor_ref<V>> params;
            // The chain's running numbers for the group (core/group_state.hpp; empty for most
            // chains), advanced once per step.
            typename Chain::group_state_type group_state{};
        };

        explicit optimizer(Chain rule = {}, Policy policy = {}, std::string name = {})
            : m_policy(std::move(policy)), m_name(std::move(name))
        {
            rule.template validate<V>(m_name);
            m_defaults = rule;
            m_groups.push_back(group_type{std::move(rule), 0, {}, 0, {}, {}});
        }

        // What errors call this optimizer ("adam" for xoptim::adam(...)); empty for an
        // optimizer made from a chain, whose errors name the chain's link instead.
        const std::string& name() const noexcept { return m_name; }

        // A new parameter group with its own hyperparameters; returns its index.
        std::size_t add_group(Chain rule)
        {
            rule.template validate<V>(m_name);
            m_groups.push_back(group_type{std::move(rule), 0, {}, 0, {}, {}});
            return m_groups.size() - 1;
        }

        // A new parameter group with the optimizer's defaults (the hyperparameters it was made
        // with) but those named in `overrides` (torch's add_param_group: only the keys that
        // differ); returns its index. Nothing changes if a name is unknown or a value invalid.
        std::size_t add_group(std::initializer_list<std::pair<std::string_view, double>> overrides)
        {
            return add_group(defaults_with(overrides));
        }
        std::size_t add_group(const std::vector<std::pair<std::string, double>>& overrides)
        {
            return add_group(defaults_with(overrides));
        }

        // Registers tensors of any rank and container type (xtensor, xarray, xtensor_fixed,
        // xt::adapt over foreign memory, contiguous views) as a parameter group with the
        // defaults but `overrides`; step(grads) then steps every registered group in one call.
        // The tensors are held by reference: they must outlive the optimizer's use of them and
        // keep their memory (no resize). The first registration fills group 0 if nothing has
        // used it yet (no tensors, no state, no step); later ones add groups. Returns the index.
        std::size_t add_group(std::vector<tensor_ref<V>> params,
                              std::initializer_list<std::pair<std::string_view, double>> overrides = {})
        {
            return register_group(std::move(params), defaults_with(overrides));
        }
        std::size_t add_group(std::vector<tensor_ref<V>> params,
                              const std::vector<std::pair<std::string, double>>& overrides)
        {
            return register_group(std::move(params), defaults_with(overrides));
        }

        // The tensors registered with every group, which step(grads) takes gradients for.
        std::size_t registered_count() const noexcept { return m_registered; }

    private:
        std::size_t register_group(std::vector<tensor_ref<V>> params, Chain rule)
        {
            for (std::size_t k = 0; k < params.size(); ++k)
            {
                if (!params[k].present()) { throw_absent_param(k); }
            }
            auto& first = m_groups.front();
            const bool fill_first =
                m_groups.size() == 1 && first.params.empty() && first.tensors.empty() && first.step == 0;
            std::size_t g = 0;
            if (fill_first)
            {
                first.rule = std::move(rule);
                first.params = std::move(params);
            }
            else
            {
                m_groups.push_back(group_type{std::move(rule), 0, {}, 0, std::move(params), {}});
                g = m_groups.size() - 1;
            }
            m_registered = 0;
            for (const auto& grp : m_groups) { m_registered += grp.params.size(); }
            if (m_described.size() < m_registered) { m_described.resize(m_registered); }
            if constexpr (Chain::group_reduction_first)
            {
                m_described_tensor.resize(m_registered);
                m_described_grad.resize(m_registered);
                m_group_sums.resize(m_groups.size());
                m_group_first.resize(m_groups.size() + 1);
            }
            return g;
        }

    public:
        // ---- hyperparameters by name, per group (torch's param_groups[g][name]) -----------
        // Every name get and set take, in chain order.
        std::vector<std::string> hyperparameter_names() const { return m_groups.front().rule.hyperparameter_names(); }

        // The value of hyperparameter `name` in group g ("lr": the rate its next step uses).
        double get(std::size_t g, std::string_view name) const
        {
            const auto& grp = group(g);
            return grp.rule.get(name, step_info{grp.step + 1}, owner());
        }

        // Sets hyperparameter `name` of group g. An unknown name is an error listing the valid
        // ones; a value that breaks a constraint, or changes which state slots a group with
        // state uses, is an error naming it; either way nothing changes.
        void set(std::size_t g, std::string_view name, double value)
        {
            auto& grp = m_groups.at(check_group(g));
            Chain changed = grp.rule;
            changed.template set<V>(name, value, step_info{grp.step + 1}, owner_name());
            keep_slots(g, changed, [&] { return std::string(name) + " cannot become " + detail::format_value(value); });
            grp.rule = std::move(changed);
        }

        // Sets several hyperparameters of group g together, checked together (nesterov with
        // momentum), in the order given; if any fails, none changes.
        void set_all(std::size_t g, const std::vector<std::pair<std::string, double>>& values)
        {
            auto& grp = m_groups.at(check_group(g));
            Chain changed = grp.rule;
            changed.template set_all<V>(values, step_info{grp.step + 1}, owner_name());
            keep_slots(g, changed, [&] {
                std::string names;
                for (const auto& [name, value] : values)
                {
                    names += (names.empty() ? "" : ", ") + name + " = " + detail::format_value(value);
                }
                return "setting " + names + " is refused";
            });
            grp.rule = std::move(changed);
        }

        std::size_t group_count() const noexcept { return m_groups.size(); }
        const group_type& group(std::size_t g = 0) const { return m_groups.at(check_group(g)); }
        const Chain& rule(std::size_t g = 0) const { return group(g).rule; }
        std::uint64_t step_count(std::size_t g = 0) const { return group(g).step; }
        std::uint64_t skipped_steps(std::size_t g = 0) const { return group(g).skipped; }

        // What a step does with a non-finite gradient (core/finite.hpp); propagate by default.
        void set_nonfinite_policy(nonfinite_policy p) noexcept { m_nonfinite = p; }
        nonfinite_policy nonfinite() const noexcept { return m_nonfinite; }

        // Threads a step may use for a large contiguous tensor (core/parallel.hpp); 1 by default.
        // Elementwise rules give bitwise the same numbers on any number of threads.
        void set_threads(std::size_t threads) { m_threads.set(threads); }
        std::size_t threads() const noexcept { return m_threads.count(); }

        // The learning rate the next step of group g uses.
        double learning_rate(std::size_t g = 0) const
        {
            const auto& grp = group(g);
            return grp.rule.learning_rate(step_info{grp.step + 1});
        }

        // Replaces the hyperparameters of group g (state and step count are kept).
        void set_rule(std::size_t g, Chain rule)
        {
            check_group(g);
            rule.template validate<V>(m_name);
            if (!m_groups[g].tensors.empty())
            {
                for (std::size_t k = 0; k < Chain::max_slots; ++k)
                {
                    if (rule.slot_active(k) != m_groups[g].rule.slot_active(k))
                    {
                        throw std::invalid_argument("xoptim::optimizer::set_rule: the new hyperparameters change "
                                                    "which state slots are used (slot "
                                                    + std::to_string(k) + ") of a group that has state");
                    }
                }
            }
            m_groups[g].rule = std::move(rule);
        }

        const state_type& state(std::size_t g = 0, std::size_t t = 0) const
        {
            const auto& grp = group(g);
            if (t >= grp.tensors.size())
            {
                throw std::out_of_range("xoptim::optimizer::state: tensor index " + std::to_string(t)
                                        + " out of range (group has " + std::to_string(grp.tensors.size())
                                        + " tensors with state)");
            }
            return grp.tensors[t];
        }

        // Mutable access to every group, for checkpoints and distributed wrappers.
        std::vector<group_type>& groups() noexcept { return m_groups; }
        const std::vector<group_type>& groups() const noexcept { return m_groups; }

        // One step on a single tensor (group 0). Returns false if the step was skipped.
        // Inlined into the caller's loop (the element loop of a long tensor and every error
        // stay out of line): a step on a few parameters costs little more than their update.
        template <class E, class G>
        XOPTIM_HOT_INLINE bool step(E&& param, const G& grad)
        {
            return step_group(
                0, 1, [&](std::size_t) -> decltype(auto) { return (param); },
                [&](std::size_t) -> const G& { return grad; });
        }

        // One step on the tensors of group g; params[k] is updated with grads[k].
        template <class Ps, class Gs>
        XOPTIM_HOT_INLINE bool step(std::size_t g, Ps& params, const Gs& grads)
        {
            if (params.size() != grads.size()) { throw_count_mismatch_grads(grads.size(), params.size()); }
            if constexpr (Chain::group_reduction_first)
            {
                if (params.size() > 1) { throw_needs_registration(); }
            }
            return step_group(
                g, params.size(), [&](std::size_t k) -> decltype(auto) { return (params[k]); },
                [&](std::size_t k) -> decltype(auto) { return (grads[k]); });
        }

        // One step of every registered group: grads[k] is the gradient of the k-th registered
        // tensor, group by group in registration order; an absent one (a default grad_ref)
        // leaves its tensor and its state as they are, and a group none of whose tensors has a
        // gradient does not count a step (PyTorch skips parameters whose grad is None).
        // Everything is checked before anything changes. Returns false if the step was skipped
        // for a non-finite gradient.
        bool step(std::span<const grad_ref<V>> grads) { return step_registered(grads); }
        bool step(std::initializer_list<grad_ref<V>> grads)
        {
            return step_registered(std::span<const grad_ref<V>>(grads.begin(), grads.size()));
        }

        // ---- the train and eval modes of a chain with a mode switch (schedule-free) ----------
        // eval() moves every registered tensor to the point a user evaluates (schedule-free's
        // average x) and train() back to the point gradients are taken at (y), as the reference's
        // optimizer.eval() and .train(). A group already in that mode is left as it is (twice in a
        // row is once), a tensor not stepped yet is at both points, and a step in eval mode is
        // refused (std::logic_error). A group stepped with step(w, g) or step(g, params, grads)
        // is switched with its tensors: eval(w) / train(w) for group 0's one tensor,
        // eval(g, params) / train(g, params) for group g. Groups start in train mode.
        void eval() requires(Chain::has_mode_switch) { switch_registered(false, "eval"); }
        void train() requires(Chain::has_mode_switch) { switch_registered(true, "train"); }
        template <class E>
        requires(Chain::has_mode_switch) void eval(E&& param)
        {
            switch_unregistered(
                0, false, 1, [&](std::size_t) -> decltype(auto) { return (param); }, "eval");
        }
        template <class E>
        requires(Chain::has_mode_switch) void train(E&& param)
        {
            switch_unregistered(
                0, true, 1, [&](std::size_t) -> decltype(auto) { return (param); }, "train");
        }
        template <class Ps>
        requires(Chain::has_mode_switch) void eval(std::size_t g, Ps& params)
        {
            switch_unregistered(
                g, false, params.size(), [&](std::size_t k) -> decltype(auto) { return (params[k]); }, "eval");
        }
        template <class Ps>
        requires(Chain::has_mode_switch) void train(std::size_t g, Ps& params)
        {
            switch_unregistered(
                g, true, params.size(), [&](std::size_t k) -> decltype(auto) { return (params[k]); }, "train");
        }
        // Whether group g's parameters are the train point (true) or the eval point.
        bool train_mode(std::size_t g = 0) const requires(Chain::has_mode_switch)
        {
            return group(g).group_state.train_mode;
        }

        // Makes the state of group g for tensors of these shapes (eager policy; also allowed lazily).
        template <class Ps>
        void init(std::size_t g, const Ps& params)
        {
            auto& grp = m_groups.at(check_group(g));
            grp.tensors = make_states(grp.rule, params.size(),
                                      [&](std::size_t k) -> decltype(auto) { return params[k].shape(); });
            reserve_gathered(params.size());
        }

        template <class E>
        void init(E&& param)
        {
            auto& grp = m_groups[0];
            grp.tensors = make_states(grp.rule, 1, [&](std::size_t) -> decltype(auto) { return param.shape(); });
        }

    private:
        template <class ParamAt>
        void switch_unregistered(std::size_t g, bool to_train, std::size_t count, ParamAt&& param_at, const char* what)
        {
            if (!m_groups.at(check_group(g)).params.empty())
            {
                throw std::invalid_argument(std::string(owner()) + "::" + what + ": group " + std::to_string(g)
                                            + " has registered tensors; switch them with " + what + "()");
            }
            switch_group(g, to_train, count, param_at, what);
        }

        std::string_view owner() const noexcept
        {
            return m_name.empty() ? std::string_view("xoptim::optimizer") : std::string_view(m_name);
        }

        // Slot pointers per tensor as the engine takes them (one even for a chain without state).
        static constexpr std::size_t slot_count = Chain::max_slots == 0 ? 1 : Chain::max_slots;

        std::size_t check_group(std::size_t g) const
        {
            if (g >= m_groups.size()) [[unlikely]] { throw_group_out_of_range(g, m_groups.size()); }
            return g;
        }

        [[noreturn]] XOPTIM_COLD_PATH static void throw_group_out_of_range(std::size_t g, std::size_t have)
        {
            throw std::out_of_range("xoptim::optimizer: group " + std::to_string(g) + " out of range (have "
                                    + std::to_string(have) + ")");
        }

        // The state of `count` tensors, shape_at(k) giving tensor k's shape. Slots are made
        // slot by slot across the tensors (all first moments, then all second moments, ...),
        // so that the allocator lays each slot of consecutive tensors side by side: a group
        // of many small tensors then streams each slot nearly contiguously.
        template <class ShapeAt>
        std::vector<state_type> make_states(const Chain& rule, std::size_t count, ShapeAt&& shape_at) const
        {
            std::vector<state_type> made(count);
            for (std::size_t t = 0; t < count; ++t)
            {
                const auto& shape = shape_at(t);
                made[t].shape.assign(shape.begin(), shape.end());
                made[t].slots.resize(Chain::max_slots);
            }
            for (std::size_t k = 0; k < Chain::max_slots; ++k)
            {
                const bool active = rule.slot_active(k);
                for (auto& st : made)
                {
                    const bool used = active && detail::slot_in_use(rule, k, st.shape.size());
                    st.slots[k] = used ? m_policy.template make_slot<V>(detail::slot_shape_of(rule, k, st.shape),
                                                                        rule.initial_value(k))
                                       : slot_tensor<V>(std::vector<std::size_t>{0});
                }
            }
            return made;
        }

        // Failures of a step, built and thrown out of line so that the step itself stays small.
        [[noreturn]] XOPTIM_COLD_PATH static void throw_count_mismatch_grads(std::size_t grads, std::size_t params)
        {
            throw std::invalid_argument("xoptim::optimizer::step: grads has " + std::to_string(grads)
                                        + " tensors but params has " + std::to_string(params));
        }

        [[noreturn]] XOPTIM_COLD_PATH static void throw_count_mismatch(std::size_t g, std::size_t have, std::size_t got)
        {
            throw std::invalid_argument("xoptim::optimizer::step: group " + std::to_string(g) + " has state for "
                                        + std::to_string(have) + " tensors, got " + std::to_string(got));
        }

        template <class PS, class GS>
        [[noreturn]] XOPTIM_COLD_PATH static void throw_grad_shape(std::size_t k, const GS& grad_shape,
                                                                   const PS& param_shape)
        {
            throw std::invalid_argument("xoptim::optimizer::step: grad of tensor " + std::to_string(k) + " has shape "
                                        + detail::shape_string(grad_shape) + " but the parameter has shape "
                                        + detail::shape_string(param_shape));
        }

        template <class PS>
        [[noreturn]] XOPTIM_COLD_PATH static void throw_state_shape(std::size_t k, const PS& param_shape,
                                                                    const std::vector<std::size_t>& state_shape)
        {
            throw std::invalid_argument("xoptim::optimizer::step: parameter " + std::to_string(k) + " has shape "
                                        + detail::shape_string(param_shape) + " but its state has shape "
                                        + detail::shape_string(state_shape));
        }

        // Under a checking non-finite policy: false (and the skip counted) if the step must be
        // skipped; throws nonfinite_gradient under throw_error.
        template <class GradAt>
        XOPTIM_COLD_PATH bool gradients_finite(group_type& grp, std::size_t g, std::size_t count, GradAt& grad_at)
        {
            for (std::size_t k = 0; k < count; ++k)
            {
                const auto& gr = grad_at(k);
                if (const auto hit = detail::find_nonfinite<V>(gr))
                {
                    if (m_nonfinite == nonfinite_policy::skip_step)
                    {
                        ++grp.skipped;
                        return false;
                    }
                    throw nonfinite_gradient(g, k, hit->element, hit->value,
                                             detail::index_string(gr.shape(), hit->element));
                }
            }
            return true;
        }

        // The state of a group's first step (lazy policy) or the error that init() is missing.
        template <class ParamAt>
        XOPTIM_COLD_PATH void make_first_state(group_type& grp, std::size_t g, std::size_t count, ParamAt& param_at)
        {
            if constexpr (!Policy::lazy)
            {
                throw std::logic_error("xoptim::optimizer::step: group " + std::to_string(g)
                                       + " has no state; call init() first (eager_state)");
            }
            check_rates(grp);
            grp.tensors =
                make_states(grp.rule, count, [&](std::size_t k) -> decltype(auto) { return param_at(k).shape(); });
            reserve_gathered(count);
        }

        // Whether a link's rate follows a schedule (scale_by_lr<S>::has_schedule): its rate is
        // checked as it is produced, and throws for a step it cannot take (rules/scale_by_lr.hpp).
        static constexpr bool scheduled = detail::has_scheduled_link<typename Chain::links_type>;

        // The coefficients of group grp's next step, made only to throw if its rate cannot be used.
        XOPTIM_COLD_PATH static void check_rates(const group_type& grp)
        {
            if constexpr (scheduled) { (void)grp.rule.template coefficients<V>(step_info{grp.step + 1}); }
        }

        // Every registered group that will step checks its rate first, so that a later group's
        // bad rate leaves the earlier groups unstepped.
        XOPTIM_COLD_PATH void check_registered_rates(std::span<const grad_ref<V>> grads) const
        {
            std::size_t k = 0;
            for (const auto& grp : m_groups)
            {
                const auto mine = grads.subspan(k, grp.params.size());
                k += grp.params.size();
                if (any_present(mine)) { check_rates(grp); }
            }
        }

        void reserve_gathered(std::size_t count)
        {
            if (m_gathered.size() < count) { m_gathered.resize(count); }
        }

        template <class ParamAt, class GradAt>
        XOPTIM_HOT_INLINE bool step_group(std::size_t g, std::size_t count, ParamAt&& param_at, GradAt&& grad_at)
        {
            auto& grp = m_groups[check_group(g)];
            if (!grp.params.empty()) [[unlikely]] { throw_registered_group(g); }
            if constexpr (Chain::has_mode_switch)
            {
                if (!grp.group_state.train_mode) [[unlikely]] { throw_eval_mode(g); }
            }
            // Everything is checked before anything changes.
            const bool has_state = !grp.tensors.empty();
            if (has_state && grp.tensors.size() != count) { throw_count_mismatch(g, grp.tensors.size(), count); }
            if (count == 0) [[unlikely]] { return true; }  // no tensors: nothing to do, and not a step
            // A group with state is described tensor by tensor as it is checked (one pass over
            // the tensors' headers instead of two); nothing else changes before the step.
            const bool gather = has_state && count > 1 && count <= m_gathered.size() && !m_threads.pooled();
            for (std::size_t k = 0; k < count; ++k)
            {
                auto&& p = param_at(k);
                using P = std::decay_t<decltype(p)>;
                static_assert(std::is_same_v<std::remove_cv_t<typename P::value_type>, V>,
                              "xoptim: the parameter's value type must be the optimizer's value type");
                const auto& gr = grad_at(k);
                if (!detail::same_shape(p.shape(), gr.shape())) { throw_grad_shape(k, gr.shape(), p.shape()); }
                if (has_state && !detail::same_shape(grp.tensors[k].shape, p.shape()))
                {
                    throw_state_shape(k, p.shape(), grp.tensors[k].shape);
                }
                if (gather) { m_gathered[k] = describe(grp, k, p, gr); }
            }
            if (m_nonfinite != nonfinite_policy::propagate && !gradients_finite(grp, g, count, grad_at))
            {
                return false;
            }
            if (!has_state && count > 0) { make_first_state(grp, g, count, param_at); }

            const step_info info{grp.step + 1};
            if (m_threads.pooled()) { step_threaded(grp, info, count, param_at, grad_at); }
            else if (count == 1)
            {
                // One tensor: the whole step inline, as a tiny tensor needs.
                const auto slots = slot_pointers(grp, 0);
                apply_chain(grp.rule, step_coefficients(grp, info), param_at(0), grad_at(0), slots.data());
            }
            else { step_tensors(grp, info, count, gather, param_at, grad_at); }
            finish_step(grp, info);
            return true;
        }

        // The coefficients of group grp's step `info`; a chain with group state makes them from
        // the state that step leaves (core/group_state.hpp), which finish_step then keeps.
        auto step_coefficients(const group_type& grp, const step_info& info) const
        {
            if constexpr (Chain::has_group_state)
            {
                return grp.rule.template coefficients<V>(info, grp.rule.advanced(grp.group_state, info));
            }
            else { return grp.rule.template coefficients<V>(info); }
        }

        // The coefficients of a tensor that sat out `lag` of its group's steps: those of its own
        // count (PyTorch's per-tensor step), but for a chain with group state, whose running
        // numbers are the group's (the schedule-free reference counts steps per group).
        auto own_coefficients_of(const group_type& grp, const step_info& info, std::uint64_t lag) const
        {
            if constexpr (Chain::has_group_state)
            {
                (void)lag;
                return step_coefficients(grp, info);
            }
            else { return grp.rule.template coefficients<V>(step_info{info.step - lag}); }
        }

        // The end of a group's step: its group state advanced, its count incremented.
        void finish_step(group_type& grp, const step_info& info)
        {
            if constexpr (Chain::has_group_state) { grp.group_state = grp.rule.advanced(grp.group_state, info); }
            ++grp.step;
        }

        // The state of tensor k as the engine takes it: one pointer per slot, null if unused.
        static auto slot_pointers(group_type& grp, std::size_t k)
        {
            std::array<V*, slot_count> ptrs{};
            auto* slots = grp.tensors[k].slots.data();
            for (std::size_t s = 0; s < Chain::max_slots; ++s)
            {
                ptrs[s] = slots[s].size() ? slots[s].data() : nullptr;
            }
            return ptrs;
        }

        // Tensor k as the engine's group call takes it; a null parameter or gradient pointer
        // marks a tensor that is not contiguous (or whose gradient has another value type).
        template <class P, class G>
        static contiguous_tensor<V, slot_count> describe(group_type& grp, std::size_t k, P& p, const G& gr)
        {
            const V* gdata = nullptr;
            if constexpr (std::is_same_v<std::remove_cv_t<typename std::decay_t<G>::value_type>, V>)
            {
                gdata = detail::contiguous_data(gr);
            }
            return {detail::contiguous_data(p), gdata, static_cast<std::size_t>(p.size()), slot_pointers(grp, k)};
        }

        // Steps tensors first .. first + n - 1 of a group from their descriptions d[0 .. n):
        // each run of contiguous ones is one engine call, any other tensor is stepped alone.
        template <class C, class ParamAt, class GradAt>
        void step_described(group_type& grp, const C& coefficients, const contiguous_tensor<V, slot_count>* d,
                            std::size_t first, std::size_t n, ParamAt& param_at, GradAt& grad_at)
        {
            if constexpr (detail::factored_chain<Chain>)
            {
                // A factored chain walks each tensor by its shape, which a description lacks.
                for (std::size_t k = 0; k < n; ++k)
                {
                    apply_chain(grp.rule, coefficients, param_at(first + k), grad_at(first + k), d[k].slots.data());
                }
                return;
            }
            std::size_t k = 0;
            while (k < n)
            {
                std::size_t end = k;
                while (end < n && d[end].param != nullptr && d[end].grad != nullptr) { ++end; }
                if (end > k)
                {
                    apply_chain_contiguous(grp.rule, coefficients, d + k, end - k);
                    k = end;
                }
                else
                {
                    apply_chain(grp.rule, coefficients, param_at(first + k), grad_at(first + k), d[k].slots.data());
                    ++k;
                }
            }
        }

        // The tensors of a group, single-threaded: described by the check into m_gathered, or,
        // when that buffer is not made yet (first step, state loaded from a checkpoint),
        // described here in chunks of 64 on the stack.
        template <class ParamAt, class GradAt>
        void step_tensors(group_type& grp, const step_info& info, std::size_t count, bool described, ParamAt& param_at,
                          GradAt& grad_at)
        {
            const auto coefficients = step_coefficients(grp, info);
            if (described)
            {
                step_described(grp, coefficients, m_gathered.data(), 0, count, param_at, grad_at);
                return;
            }
            constexpr std::size_t chunk = 64;
            std::array<contiguous_tensor<V, slot_count>, chunk> d;
            for (std::size_t first = 0; first < count; first += chunk)
            {
                const std::size_t n = std::min(chunk, count - first);
                for (std::size_t k = 0; k < n; ++k)
                {
                    d[k] = describe(grp, first + k, param_at(first + k), grad_at(first + k));
                }
                step_described(grp, coefficients, d.data(), first, n, param_at, grad_at);
            }
        }

        // The step's tensors on the thread pool (set_threads above 1); out of line, so that the
        // single-threaded step keeps its coefficients in registers.
        template <class ParamAt, class GradAt>
        XOPTIM_OUT_OF_LINE void step_threaded(group_type& grp, const step_info& info, std::size_t count,
                                              ParamAt& param_at, GradAt& grad_at)
        {
            const auto coefficients = step_coefficients(grp, info);
            for (std::size_t k = 0; k < count; ++k)
            {
                const auto slots = slot_pointers(grp, k);
                m_threads.apply(grp.rule, coefficients, param_at(k), grad_at(k), slots.data());
            }
        }

        template <class Pairs>
        Chain defaults_with(const Pairs& overrides) const
        {
            Chain rule = m_defaults;
            for (const auto& [key, value] : overrides)
            {
                detail::set_named(rule.links(), key, value, step_info{1}, owner());
            }
            rule.template validate<V>(m_name);
            return rule;
        }

        std::string_view owner_name() const noexcept
        {
            return m_name.empty() ? std::string_view{} : std::string_view(m_name);
        }

        // Refuses `changed` for group g if the group has state and `changed` uses other slots.
        template <class What>
        void keep_slots(std::size_t g, const Chain& changed, What&& what) const
        {
            const auto& grp = m_groups[g];
            if (grp.tensors.empty()) { return; }
            for (std::size_t k = 0; k < Chain::max_slots; ++k)
            {
                if (changed.slot_active(k) != grp.rule.slot_active(k))
                {
                    throw std::invalid_argument(std::string(owner()) + ": " + what() + " in group " + std::to_string(g)
                                                + ": it changes which state slots the group uses, and the group "
                                                  "has state");
                }
            }
        }

        [[noreturn]] XOPTIM_COLD_PATH static void throw_absent_param(std::size_t k)
        {
            throw std::invalid_argument("xoptim::optimizer::add_group: tensor " + std::to_string(k)
                                        + " is an empty reference, not a tensor");
        }

        [[noreturn]] XOPTIM_COLD_PATH void throw_registered_count(std::size_t got) const
        {
            throw std::invalid_argument("xoptim::optimizer::step: " + std::to_string(got) + " gradients for "
                                        + std::to_string(m_registered) + " registered tensors");
        }

        [[noreturn]] XOPTIM_COLD_PATH void throw_eval_mode(std::size_t g) const
        {
            throw std::logic_error(std::string(owner()) + ": step in eval mode (group " + std::to_string(g)
                                   + "): its parameters are the evaluation point x, not the point y gradients are "
                                     "taken at; call train() before stepping");
        }

        // Moves the tensors of group g to the train point (to_train) or the eval point, count
        // tensors given by param_at (the group's state must match them), and sets its mode. A
        // group already in that mode is untouched. Checked first; nothing changes on an error.
        template <class ParamAt>
        void switch_group(std::size_t g, bool to_train, std::size_t count, ParamAt&& param_at, const char* what)
        {
            auto& grp = m_groups.at(check_group(g));
            if (grp.group_state.train_mode == to_train) { return; }
            if (!grp.tensors.empty())
            {
                if (grp.tensors.size() != count)
                {
                    throw std::invalid_argument(std::string(owner()) + "::" + what + ": group " + std::to_string(g)
                                                + " has state for " + std::to_string(grp.tensors.size())
                                                + " tensors, got " + std::to_string(count));
                }
                for (std::size_t t = 0; t < count; ++t)
                {
                    const auto& p = param_at(t);
                    if (!detail::same_shape(p.shape(), grp.tensors[t].shape))
                    {
                        throw std::invalid_argument(std::string(owner()) + "::" + what + ": tensor " + std::to_string(t)
                                                    + " of group " + std::to_string(g) + " has shape "
                                                    + detail::shape_string(p.shape()) + " but its state has shape "
                                                    + detail::shape_string(grp.tensors[t].shape));
                    }
                }
                for (std::size_t t = 0; t < count; ++t) { switch_tensor(grp, t, to_train, param_at(t)); }
            }
            grp.group_state.train_mode = to_train;
        }

        template <class P>
        void switch_tensor(group_type& grp, std::size_t t, bool to_train, P&& p)
        {
            const auto slots = slot_pointers(grp, t);
            const std::size_t n = static_cast<std::size_t>(p.size());
            auto it = p.template begin<xt::layout_type::row_major>();
            for (std::size_t i = 0; i < n; ++i, ++it)
            {
                const slot_view<V> state(slots.data(), i);
                const V w = *it;
                *it = to_train ? grp.rule.to_train(w, state) : grp.rule.to_eval(w, state);
            }
        }

        void switch_registered(bool to_train, const char* what)
        {
            for (std::size_t g = 0; g < m_groups.size(); ++g)
            {
                const auto& grp = m_groups[g];
                if (grp.group_state.train_mode != to_train && !grp.tensors.empty() && grp.params.empty())
                {
                    throw std::invalid_argument(std::string(owner()) + "::" + what + ": group " + std::to_string(g)
                                                + " has state but no registered tensors; pass its tensors: " + what
                                                + "(w) for group 0's one tensor, " + what + "(g, params) for a group");
                }
            }
            for (std::size_t g = 0; g < m_groups.size(); ++g)
            {
                auto& grp = m_groups[g];
                switch_group(
                    g, to_train, grp.params.size(), [&](std::size_t t) -> tensor_ref<V>& { return grp.params[t]; },
                    what);
            }
        }

        [[noreturn]] XOPTIM_COLD_PATH static void throw_needs_registration()
        {
            throw std::logic_error("xoptim::optimizer::step: a chain led by a group-wide reduction "
                                   "(clip_by_global_norm) steps several tensors only when they are registered "
                                   "(add_group with tensors, then step(grads)), so that the norm spans them all");
        }

        [[noreturn]] XOPTIM_COLD_PATH static void throw_registered_group(std::size_t g)
        {
            throw std::invalid_argument("xoptim::optimizer::step: group " + std::to_string(g)
                                        + " has registered tensors; step it with step(grads)");
        }

        // The registered step: one pass over the groups' headers checks everything and finds
        // what each group steps; then the missing state is made, every stepped tensor is
        // described once into m_described, and each group's run of described tensors goes to
        // the engine in one call (a tensor that sat out steps is stepped with its own count).
        // The engine never calls back into the optimizer.
        bool step_registered(std::span<const grad_ref<V>> grads)
        {
            if (grads.size() != m_registered) { throw_registered_count(grads.size()); }
            std::size_t k = 0;
            for (std::size_t g = 0; g < m_groups.size(); ++g)
            {
                const auto& grp = m_groups[g];
                if constexpr (Chain::has_mode_switch)
                {
                    if (!grp.group_state.train_mode && any_present(grads.subspan(k, grp.params.size())))
                    {
                        throw_eval_mode(g);
                    }
                }
                const bool has_state = !grp.tensors.empty();
                if (has_state && grp.tensors.size() != grp.params.size())
                {
                    throw_count_mismatch(g, grp.tensors.size(), grp.params.size());
                }
                for (std::size_t t = 0; t < grp.params.size(); ++t, ++k)
                {
                    const auto& gr = grads[k];
                    const auto& p = grp.params[t];
                    if (!gr.present()) { continue; }
                    if (!detail::same_shape(p.shape(), gr.shape())) { throw_grad_shape(k, gr.shape(), p.shape()); }
                    if (has_state && !detail::same_shape(grp.tensors[t].shape, p.shape()))
                    {
                        throw_state_shape(k, p.shape(), grp.tensors[t].shape);
                    }
                }
            }
            if (m_nonfinite != nonfinite_policy::propagate && !registered_gradients_finite(grads)) { return false; }
            if constexpr (scheduled) { check_registered_rates(grads); }

            k = 0;
            for (std::size_t g = 0; g < m_groups.size(); ++g)
            {
                auto& grp = m_groups[g];
                const std::size_t first = k;
                k += grp.params.size();
                if (grp.tensors.empty() && any_present(grads.subspan(first, grp.params.size())))
                {
                    auto param_at = [&](std::size_t t) -> const tensor_ref<V>& { return grp.params[t]; };
                    make_first_state(grp, g, grp.params.size(), param_at);
                }
            }
            if constexpr (Chain::group_reduction_first) { step_registered_with_group_norm(grads); }
            else
            {
                k = 0;
                for (auto& grp : m_groups)
                {
                    const auto mine = grads.subspan(k, grp.params.size());
                    k += grp.params.size();
                    if (any_present(mine)) { step_registered_group(grp, mine); }
                }
            }
            return true;
        }

        XOPTIM_COLD_PATH void grow_group_buffers()
        {
            m_group_sums.resize(m_groups.size());
            m_group_first.resize(m_groups.size() + 1);
        }

        static bool any_present(std::span<const grad_ref<V>> grads)
        {
            for (const auto& g : grads)
            {
                if (g.present()) { return true; }
            }
            return false;
        }

        // Whether group grp's group-wide reduction spans every group stepped together.
        static bool across_groups(const group_type& grp)
        {
            const auto& first = std::get<0>(grp.rule.links());
            if constexpr (requires { first.across_groups; }) { return first.across_groups; }
            else { return false; }
        }

        // The registered step of a chain led by a group-wide reduction (clip_by_global_norm):
        // first every group's tensors with a gradient are described and their sums taken (one
        // read of each gradient), added across the groups that ask for it; then each group
        // finishes its reduction and steps its tensors, a tensor that sat out steps with its
        // own count but the group's norm.
        void step_registered_with_group_norm(std::span<const grad_ref<V>> grads)
        {
            constexpr std::size_t R = Chain::reductions;
            if (m_group_first.size() < m_groups.size() + 1) { grow_group_buffers(); }
            std::array<double, R> shared{};
            std::size_t k = 0, d = 0;
            for (std::size_t g = 0; g < m_groups.size(); ++g)
            {
                auto& grp = m_groups[g];
                m_group_first[g] = d;
                for (std::size_t t = 0; t < grp.params.size(); ++t, ++k)
                {
                    if (!grads[k].present()) { continue; }
                    m_described_tensor[d] = t;
                    m_described_grad[d] = k;
                    // A tensor that is not packed is described with null pointers: staged.
                    const bool packed = grp.params[t].contiguous() && grads[k].contiguous();
                    m_described[d++] = {packed ? grp.params[t].data() : nullptr, packed ? grads[k].data() : nullptr,
                                        grp.params[t].size(), slot_pointers(grp, t)};
                }
                m_group_sums[g] = {};
                const std::size_t first = m_group_first[g];
                if (d == first) { continue; }
                const auto c = step_coefficients(grp, step_info{grp.step + 1});
                for_each_run(
                    first, d,
                    [&](std::size_t i, std::size_t n) {
                        accumulate_group(grp.rule, c, m_described.data() + i, n, m_group_sums[g].data());
                    },
                    [&](std::size_t i) {
                        const tensor_ref<V>& p = grp.params[m_described_tensor[i]];
                        accumulate_tensor(grp.rule, c, p, grads[m_described_grad[i]], m_described[i].slots.data(),
                                          m_group_sums[g].data());
                    });
                if (across_groups(grp))
                {
                    for (std::size_t r = 0; r < R; ++r) { shared[r] += m_group_sums[g][r]; }
                }
            }
            m_group_first[m_groups.size()] = d;
            k = 0;
            for (std::size_t g = 0; g < m_groups.size(); ++g)
            {
                auto& grp = m_groups[g];
                const std::size_t first = m_group_first[g], last = m_group_first[g + 1];
                for (std::size_t t = 0; t < grp.params.size(); ++t, ++k)
                {
                    if (!grads[k].present()) { ++grp.tensors[t].lag; }
                }
                if (first == last) { continue; }
                const step_info info{grp.step + 1};
                auto c = step_coefficients(grp, info);
                grp.rule.template finish<0>(c, across_groups(grp) ? shared.data() : m_group_sums[g].data());
                // A tensor that sat out steps is stepped with its own count but the group's norm.
                auto own_coefficients = [&](std::size_t i) {
                    auto mine = own_coefficients_of(grp, info, grp.tensors[m_described_tensor[i]].lag);
                    std::get<0>(mine) = std::get<0>(c);
                    return mine;
                };
                auto lags = [&](std::size_t i) { return grp.tensors[m_described_tensor[i]].lag != 0; };
                for_each_run(
                    first, last,
                    [&](std::size_t i, std::size_t n) {
                        if (lags(i)) { apply_after_group(grp.rule, own_coefficients(i), m_described.data() + i, 1); }
                        else { apply_after_group(grp.rule, c, m_described.data() + i, n); }
                    },
                    [&](std::size_t i) {
                        const tensor_ref<V>& p = grp.params[m_described_tensor[i]];
                        apply_after_group_tensor(grp.rule, lags(i) ? own_coefficients(i) : c, p,
                                                 grads[m_described_grad[i]], m_described[i].slots.data());
                    },
                    lags);
                finish_step(grp, info);
            }
        }

        // Splits described tensors [first, last) into runs of packed tensors, run(i, n), and
        // tensors stepped alone, alone(i): those that are not packed; and, for split(i), a
        // packed tensor that is a run of its own.
        template <class Run, class Alone, class Split = bool (*)(std::size_t)>
        void for_each_run(
            std::size_t first, std::size_t last, Run&& run, Alone&& alone,
            Split&& split = [](std::size_t) { return false; })
        {
            std::size_t begin = first;
            for (std::size_t i = first; i <= last; ++i)
            {
                const bool staged = i < last && m_described[i].param == nullptr;
                const bool single = i < last && !staged && split(i);
                if (i == last || staged || single)
                {
                    if (i > begin) { run(begin, i - begin); }
                    begin = i + 1;
                }
                if (staged) { alone(i); }
                else if (single) { run(i, 1); }
            }
        }

        // One registered group: the tensors with a gradient and no steps sat out go to the
        // engine together; any other tensor with a gradient is stepped with its own count.
        void step_registered_group(group_type& grp, std::span<const grad_ref<V>> grads)
        {
            const step_info info{grp.step + 1};
            const auto coefficients = step_coefficients(grp, info);
            std::size_t n = 0;
            for (std::size_t t = 0; t < grp.params.size(); ++t)
            {
                auto& st = grp.tensors[t];
                if (!grads[t].present())
                {
                    ++st.lag;
                    continue;
                }
                // A tensor that sat out steps, or that is not packed (staged per block), is
                // stepped alone; so is every tensor on the thread pool.
                if (detail::factored_chain<Chain> || st.lag != 0 || m_threads.pooled() || !grp.params[t].contiguous()
                    || !grads[t].contiguous())
                {
                    const auto own = own_coefficients_of(grp, info, st.lag);
                    const auto slots = slot_pointers(grp, t);
                    tensor_ref<V> p = grp.params[t];
                    if (m_threads.pooled()) { m_threads.apply(grp.rule, own, p, grads[t], slots.data()); }
                    else { apply_chain(grp.rule, own, p, grads[t], slots.data()); }
                    continue;
                }
                m_described[n++] = {grp.params[t].data(), grads[t].data(), grp.params[t].size(), slot_pointers(grp, t)};
            }
            if (n > 0) { apply_chain_contiguous(grp.rule, coefficients, m_described.data(), n); }
            finish_step(grp, info);
        }

        XOPTIM_COLD_PATH bool registered_gradients_finite(std::span<const grad_ref<V>> grads)
        {
            std::size_t k = 0;
            for (std::size_t g = 0; g < m_groups.size(); ++g)
            {
                for (std::size_t t = 0; t < m_groups[g].params.size(); ++t, ++k)
                {
                    if (!grads[k].present()) { continue; }
                    if (const auto hit = detail::find_nonfinite<V>(grads[k]))
                    {
                        if (m_nonfinite == nonfinite_policy::skip_step)
                        {
                            for (auto& grp : m_groups)
                            {
                                if (!grp.params.empty()) { ++grp.skipped; }
                            }
                            return false;
                        }
                        throw nonfinite_gradient(g, t, hit->element, hit->value,
                                                 detail::index_string(grads[k].shape(), hit->element));
                    }
                }
            }
            return true;
        }

        Policy m_policy;
        std::string m_name;
        std::vector<group_type> m_groups;
        nonfinite_policy m_nonfinite = nonfinite_policy::propagate;
        detail::step_threads m_threads;
        // Where a step on a group describes its contiguous tensors while it checks them; made
        // with the state (init, first step), never by a step that has state.
        std::vector<contiguous_tensor<V, slot_count>> m_gathered;
        // The optimizer's defaults, which add_group's overrides start from.
        Chain m_defaults;
        // The registered tensors of every group, and where step(grads) describes them.
        std::size_t m_registered = 0;
        std::vector<contiguous_tensor<V, slot_count>> m_described;
        // For a chain led by a group-wide reduction: each described tensor's index in its
        // group, each group's sums and where its described tensors start.
        std::vector<std::size_t> m_described_tensor;
        std::vector<std::size_t> m_described_grad;
        std::vector<std::array<double, Chain::reductions == 0 ? 1 : Chain::reductions>> m_group_sums;
        std::vector<std::size_t> m_group_first;
    };
}
