#pragma once
// data_parallel<Optimizer>: any xoptim optimizer over MPI ranks that each compute gradients on
// their own part of the data. A step agrees on the tensors' shapes, replaces every rank's
// gradients by their (weighted) mean with in-place MPI_Allreduce in buckets, then takes the
// same optimizer step on every rank, so that the replicas stay identical.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/engine.hpp"
#include "../core/finite.hpp"
#include "../core/state.hpp"
#include "../io/checkpoint.hpp"
#include "collectives.hpp"
#include "environment.hpp"

namespace xoptim::mpi
{
    struct data_parallel_options
    {
        std::size_t bucket_bytes = std::size_t{4} << 20;  // gradients packed per MPI_Allreduce
    };

    namespace detail
    {
        // The slots of one tensor of these shape and hyperparameters, as the optimizer makes them.
        template <class Optimizer, class Rule>
        typename Optimizer::state_type make_tensor_state(const Rule& rule, std::vector<std::size_t> shape)
        {
            using V = typename Optimizer::value_type;
            using Chain = typename Optimizer::rule_type;
            typename Optimizer::state_type st;
            st.shape = std::move(shape);
            st.slots.resize(Chain::max_slots);
            const typename Optimizer::policy_type policy{};
            for (std::size_t k = 0; k < Chain::max_slots; ++k)
            {
                st.slots[k] = xoptim::detail::slot_in_use(rule, k, st.shape.size())
                                  ? policy.template make_slot<V>(xoptim::detail::slot_shape_of(rule, k, st.shape),
                                                                 rule.initial_value(k))
                                  : slot_tensor<V>(std::vector<std::size_t>{0});
            }
            return st;
        }

        // Bytes of optimizer state held by this process.
        template <class Optimizer>
        std::size_t state_bytes(const Optimizer& opt)
        {
            std::size_t bytes = 0;
            for (const auto& grp : opt.groups())
            {
                for (const auto& t : grp.tensors)
                {
                    for (const auto& s : t.slots) { bytes += s.size() * sizeof(typename Optimizer::value_type); }
                }
            }
            return bytes;
        }

        // The local checks of a step on every rank, as text ("" when fine), so that a bad rank
        // makes every rank throw instead of leaving the others waiting in a collective.
        template <class PAt, class GAt>
        std::string local_step_error(std::size_t params, std::size_t grads, PAt&& param_at, GAt&& grad_at)
        {
            if (params != grads)
            {
                return "grads has " + std::to_string(grads) + " tensors but params has " + std::to_string(params);
            }
            for (std::size_t k = 0; k < params; ++k)
            {
                if (!xoptim::detail::same_shape(param_at(k).shape(), grad_at(k).shape()))
                {
                    return "grad of tensor " + std::to_string(k) + " has shape "
                           + xoptim::detail::shape_string(grad_at(k).shape()) + " but the parameter has shape "
                           + xoptim::detail::shape_string(param_at(k).shape());
                }
                if (xoptim::detail::contiguous_data(grad_at(k)) == nullptr && grad_at(k).size() != 0)
                {
                    return "grad of tensor " + std::to_string(k) + " is not contiguous";
                }
            }
            return {};
        }

        // What would make the wrapped optimizer's step of group g throw before it changes
        // anything, as text ("" when nothing would): checked on every rank and agreed on, so
        // that a rank whose optimizer differs (state made on one rank only, an eager policy
        // without init()) stops every rank instead of letting the replicas diverge.
        template <class Optimizer, class PAt>
        std::string wrapped_step_error(const Optimizer& opt, std::size_t g, std::size_t count, PAt&& param_at)
        {
            const auto& grp = opt.groups()[g];
            const std::string name = "group " + std::to_string(g);
            if (!grp.params.empty()) { return name + " has registered tensors; step it with step(grads)"; }
            if constexpr (Optimizer::rule_type::group_reduction_first)
            {
                if (count > 1)
                {
                    return "a chain led by a group-wide reduction steps several tensors only when registered";
                }
            }
            if (grp.tensors.empty())
            {
                if (count > 0 && !Optimizer::policy_type::lazy)
                {
                    return name + " has no state; call init() first (eager_state)";
                }
                return {};
            }
            if (grp.tensors.size() != count)
            {
                return name + " has state for " + std::to_string(grp.tensors.size()) + " tensors, got "
                       + std::to_string(count);
            }
            for (std::size_t k = 0; k < count; ++k)
            {
                if (!xoptim::detail::same_shape(grp.tensors[k].shape, param_at(k).shape()))
                {
                    return "parameter " + std::to_string(k) + " has shape "
                           + xoptim::detail::shape_string(param_at(k).shape()) + " but its state has shape "
                           + xoptim::detail::shape_string(grp.tensors[k].shape);
                }
            }
            return {};
        }

        inline double seconds_since(std::chrono::steady_clock::time_point t0)
        {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
    }

    template <class Optimizer>
    class data_parallel
    {
    public:
        using optimizer_type = Optimizer;
        using value_type = typename Optimizer::value_type;

        explicit data_parallel(Optimizer opt, communicator comm = communicator(), data_parallel_options o = {})
            : m_opt(std::move(opt)), m_comm(comm), m_mean(o.bucket_bytes)
        {}

        Optimizer& optimizer() noexcept { return m_opt; }
        const Optimizer& optimizer() const noexcept { return m_opt; }
        const communicator& comm() const noexcept { return m_comm; }
        int rank() const noexcept { return m_comm.rank(); }
        int size() const noexcept { return m_comm.size(); }
        bool is_root() const noexcept { return m_comm.is_root(); }
        const comm_stats& stats() const noexcept { return m_stats; }
        void reset_stats() noexcept { m_stats = {}; }
        // Bytes of optimizer state on this rank (every rank holds all of it).
        std::size_t state_bytes() const { return detail::state_bytes(m_opt); }

        // Rank 0's parameters on every rank (call once before the first step).
        template <class Ps>
        void broadcast_parameters(Ps& params)
        {
            broadcast_tensors(
                m_comm, params.size(), [&](std::size_t k) -> auto& { return params[k]; },
                "xoptim::mpi::data_parallel::broadcast_parameters");
        }
        template <class E>
        requires requires(E& e) { e.shape(); }
        void broadcast_parameter(E& param)
        {
            broadcast_tensors(
                m_comm, 1, [&](std::size_t) -> auto& { return param; },
                "xoptim::mpi::data_parallel::broadcast_parameters");
        }

        // Rank 0's whole optimizer on every rank, e.g. after rank 0 alone loaded a checkpoint:
        // every group's hyperparameters, step count, skip count and tensors' state (slots and
        // steps sat out), carried as the bytes of a checkpoint (to_bytes / from_bytes). Every
        // rank must have the same groups (count, registered tensors). Collective. If rank 0
        // cannot write its state (a non-finite slot) or any rank cannot take it, every rank
        // throws std::invalid_argument and nothing has changed; the non-finite policy and the
        // threads stay each rank's own.
        void broadcast_state()
        {
            const std::string who = "xoptim::mpi::data_parallel::broadcast_state";
            std::vector<unsigned char> bytes;
            std::string error;
            if (is_root())
            {
                try
                {
                    bytes = to_bytes(m_opt);
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
            }
            agree(
                m_comm, who, 0, error, 1.0, [] { return std::string("ready"); }, "rank 0's state");
            detail::broadcast_bytes(m_comm, bytes);
            std::optional<Optimizer> taken;
            if (!is_root())
            {
                try
                {
                    // Into a copy: every rank changes only once all of them have taken the bytes.
                    taken.emplace(m_opt);
                    from_bytes(std::span<const unsigned char>(bytes), *taken);
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
            }
            agree(
                m_comm, who, 0, error, 1.0, [] { return std::string("took it"); }, "rank 0's state");
            if (taken) { m_opt = std::move(*taken); }
        }

        // One step of group g: grads (this rank's, overwritten by the mean over ranks) then
        // the optimizer's step. `weight` is what this rank's gradients count for (the number
        // of samples they average; 1 when every rank's batch has the same size). Returns false,
        // on every rank, if the wrapped optimizer skipped the step for a non-finite gradient:
        // its policy sees the mean, which is the same on every rank.
        template <class Ps, class Gs>
        bool step(std::size_t g, Ps& params, Gs& grads, double weight = 1.0)
        {
            return step_impl(
                g, params.size(), grads.size(), [&](std::size_t k) -> decltype(auto) { return (params[k]); },
                [&](std::size_t k) -> decltype(auto) { return (grads[k]); }, weight,
                [&] { return m_opt.step(g, params, grads); });
        }

        // One step on a single tensor (group 0).
        template <class E, class G>
        requires requires(E& e, G& gr)
        {
            e.shape();
            gr.shape();
        }
        bool step(E& param, G& grad, double weight = 1.0)
        {
            return step_impl(
                0, 1, 1, [&](std::size_t) -> auto& { return param; }, [&](std::size_t) -> auto& { return grad; },
                weight, [&] { return m_opt.step(param, grad); });
        }

    private:
        template <class PAt, class GAt, class Apply>
        bool step_impl(std::size_t g, std::size_t params, std::size_t grads, PAt&& param_at, GAt&& grad_at,
                       double weight, Apply&& apply)
        {
            const auto t0 = std::chrono::steady_clock::now();
            std::string local_error = detail::local_step_error(params, grads, param_at, grad_at);
            if (local_error.empty() && g >= m_opt.group_count())
            {
                local_error =
                    "group " + std::to_string(g) + " out of range (have " + std::to_string(m_opt.group_count()) + ")";
            }
            if (local_error.empty()) { local_error = detail::wrapped_step_error(m_opt, g, params, param_at); }
            const std::uint64_t signature = shapes_signature(params, param_at, detail::hash_seed ^ g);
            const auto agreed = agree(m_comm, "xoptim::mpi::data_parallel::step", signature, local_error, weight,
                                      [&] { return shapes_text(params, param_at); });
            const auto t1 = std::chrono::steady_clock::now();
            m_stats.check_seconds += detail::seconds_since(t0);
            m_stats.reduce_calls += m_mean(m_comm, grads, grad_at, weight, agreed.total_weight);
            m_stats.reduce_seconds += detail::seconds_since(t1);
            // Everything the wrapped step checks was agreed on above, and its non-finite check
            // sees the mean, the same on every rank. Any other failure (memory) may be this
            // rank's alone while the others go on: it ends the job rather than split the replicas.
            bool applied = false;
            try
            {
                applied = apply();
            }
            catch (const nonfinite_gradient&)
            {
                throw;
            }
            catch (const std::exception& e)
            {
                if (size() == 1) { throw; }
                abort_job(m_comm.get(), std::string("xoptim::mpi::data_parallel::step: ") + e.what());
            }
            if (applied) { ++m_stats.steps; }
            m_stats.step_seconds += detail::seconds_since(t0);
            return applied;
        }

        Optimizer m_opt;
        communicator m_comm;
        bucketed_mean<value_type> m_mean;
        comm_stats m_stats;
    };
}
