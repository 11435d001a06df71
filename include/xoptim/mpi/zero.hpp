#pragma once
// zero1<Optimizer>: data parallelism with the optimizer state sharded over the ranks (ZeRO
// stage 1; Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training Trillion
// Parameter Models"). The parameters of a group, laid end to end, are cut into one contiguous
// range per rank; a step reduce-scatters the gradients (each rank receives the mean of its
// range only), each rank updates its range and the state of that range alone, and the
// updated ranges are gathered on every rank with MPI_Allgatherv.
//
// Ranges cut through tensors, so a rule with a per-tensor reduction (LAMB's and LARS's trust
// ratio, clip_by_norm) sees only part of a split tensor: the engine's sums hook adds the
// partial sums of the ranks that share the tensor (one small MPI_Allreduce on a communicator
// of just those ranks, at most size - 1 of them per step) before the ratio is taken.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xadapt.hpp>

#include "../core/engine.hpp"
#include "../core/finite.hpp"
#include "../core/step_info.hpp"
#include "../io/checkpoint.hpp"
#include "collectives.hpp"
#include "data_parallel.hpp"
#include "environment.hpp"

namespace xoptim::mpi
{
    template <class Optimizer>
    class zero1
    {
    public:
        using optimizer_type = Optimizer;
        using value_type = typename Optimizer::value_type;
        using rule_type = typename Optimizer::rule_type;
        // A chain with per-group running state (schedule-free) would need it advanced and its
        // modes switched across the shards; ZeRO-1 does not do that yet.
        static_assert(!rule_type::has_group_state,
                      "xoptim::mpi::zero1: chains with group state (schedule-free) are not sharded; use data_parallel");
        static_assert(
            !xoptim::detail::factored_chain<rule_type>,
            "xoptim::mpi::zero1 shards tensors into flat pieces; a factored rule (Adafactor) needs whole rows "
            "and columns");

        explicit zero1(Optimizer opt, communicator comm = communicator()) : m_opt(std::move(opt)), m_comm(comm) {}

        zero1(const zero1&) = delete;
        zero1& operator=(const zero1&) = delete;
        zero1(zero1&&) = default;
        zero1& operator=(zero1&&) = default;

        // The optimizer whose groups hold this rank's pieces (tensor k of a group's state is
        // the k-th piece of this rank's range, a 1-D tensor), not the whole tensors.
        const Optimizer& optimizer() const noexcept { return m_opt; }
        const communicator& comm() const noexcept { return m_comm; }
        int rank() const noexcept { return m_comm.rank(); }
        int size() const noexcept { return m_comm.size(); }
        bool is_root() const noexcept { return m_comm.is_root(); }
        const comm_stats& stats() const noexcept { return m_stats; }
        void reset_stats() noexcept { m_stats = {}; }
        // Bytes of optimizer state on this rank: about 1 / size() of the replicated state.
        std::size_t state_bytes() const { return detail::state_bytes(m_opt); }
        // The elements [begin, end) of group g's parameters, laid end to end, this rank updates.
        row_range range(std::size_t g = 0) const { return layout_of(g).mine; }

        // Rank 0's parameters on every rank (call once before the first step).
        template <class Ps>
        void broadcast_parameters(Ps& params)
        {
            broadcast_tensors(
                m_comm, params.size(), [&](std::size_t k) -> auto& { return params[k]; },
                "xoptim::mpi::zero1::broadcast_parameters");
        }
        template <class E>
        requires requires(E& e) { e.shape(); }
        void broadcast_parameter(E& param)
        {
            broadcast_tensors(
                m_comm, 1, [&](std::size_t) -> auto& { return param; }, "xoptim::mpi::zero1::broadcast_parameters");
        }

        // What a step does with a non-finite mean gradient: the wrapped optimizer's policy
        // (core/finite.hpp), decided alike on every rank.
        void set_nonfinite_policy(nonfinite_policy p) noexcept { m_opt.set_nonfinite_policy(p); }
        nonfinite_policy nonfinite() const noexcept { return m_opt.nonfinite(); }

        // One step of group g (see data_parallel::step). grads are left as they were. Returns
        // false, on every rank, if the step was skipped for a non-finite gradient.
        template <class Ps, class Gs>
        bool step(std::size_t g, Ps& params, const Gs& grads, double weight = 1.0)
        {
            return step_impl(
                g, params.size(), grads.size(), [&](std::size_t k) -> decltype(auto) { return (params[k]); },
                [&](std::size_t k) -> decltype(auto) { return (grads[k]); }, weight);
        }

        template <class E, class G>
        requires requires(E& e, const G& gr)
        {
            e.shape();
            gr.shape();
        }
        bool step(E& param, const G& grad, double weight = 1.0)
        {
            return step_impl(
                0, 1, 1, [&](std::size_t) -> auto& { return param; }, [&](std::size_t) -> const auto& { return grad; },
                weight);
        }

        // ---- checkpoints ---------------------------------------------------------------
        // The sharded state gathered into one ordinary checkpoint (io/checkpoint.hpp): every
        // group's hyperparameters, step and skip counts, and the state of its whole tensors,
        // as one process with the wrapped optimizer would have written it, with `params` (a
        // tensor or a range of tensors, the same on every rank). xoptim::load_checkpoint reads
        // it into an ordinary optimizer, and zero1::load_checkpoint onto any number of ranks.
        // All collective; rank 0 alone holds the whole state meanwhile, and writes the file.
        // An identity (what the state was made on, io/checkpoint.hpp) is recorded by the saves
        // and checked by the loads as for one process.

        // The checkpoint's bytes on rank 0 (empty elsewhere). A failure on rank 0 (a
        // non-finite value) throws checkpoint_error on every rank.
        template <class Ps>
        std::vector<unsigned char> to_bytes(const Ps& params, const checkpoint_identity& identity = {}) const
        {
            std::optional<Optimizer> whole = gathered();
            std::vector<unsigned char> bytes;
            std::string error;
            if (whole)
            {
                try
                {
                    bytes = xoptim::to_bytes(*whole, params, identity);
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
            }
            throw_if_any(error);
            return bytes;
        }

        // Rank 0 writes the checkpoint to path, atomically; a failure throws on every rank.
        template <class Ps>
        void save_checkpoint(const std::filesystem::path& path, const Ps& params,
                             const checkpoint_identity& identity = {}) const
        {
            const auto bytes = to_bytes(params, identity);
            std::string error;
            if (is_root())
            {
                try
                {
                    xoptim::detail::ckpt::write_file_atomically(path, bytes);
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
            }
            throw_if_any(error);
        }

        // Rank 0 reads path; then as from_bytes.
        template <class Ps>
        void load_checkpoint(const std::filesystem::path& path, Ps& params)
        {
            load_file(path, params, nullptr);
        }

        template <class Ps>
        void load_checkpoint(const std::filesystem::path& path, Ps& params, const checkpoint_identity& identity)
        {
            load_file(path, params, &identity);
        }

        // Restores the optimizer and params from a checkpoint of the wrapped optimizer's type,
        // made on any number of ranks or by one process: `bytes` are read on rank 0 (the other
        // ranks' are ignored), each rank keeps the state of its range for the file's tensors
        // (resharded), and params become the file's on every rank. Everything is checked
        // before anything changes: a bad file, or parameters of other shapes on any rank,
        // throws on every rank (checkpoint_error, std::invalid_argument) with nothing changed.
        template <class Ps>
        void from_bytes(std::span<const unsigned char> bytes, Ps& params)
        {
            read_bytes(bytes, params, nullptr);
        }

        template <class Ps>
        void from_bytes(std::span<const unsigned char> bytes, Ps& params, const checkpoint_identity& identity)
        {
            read_bytes(bytes, params, &identity);
        }

    private:
        template <class Ps>
        void load_file(const std::filesystem::path& path, Ps& params, const checkpoint_identity* identity)
        {
            std::vector<unsigned char> bytes;
            std::string error;
            if (is_root())
            {
                try
                {
                    bytes = xoptim::detail::ckpt::read_file(path);
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
            }
            throw_if_any(error);
            read_bytes(std::span<const unsigned char>(bytes), params, identity);
        }

        template <class Ps>
        void read_bytes(std::span<const unsigned char> bytes, Ps& params, const checkpoint_identity* identity)
        {
            const std::string who = "xoptim::mpi::zero1::load_checkpoint";
            // 1. Rank 0 reads everything into copies.
            std::optional<Optimizer> whole;
            std::optional<Ps> staged;
            std::string error;
            if (is_root())
            {
                try
                {
                    whole.emplace(m_opt);
                    staged.emplace(params);
                    if (identity) { xoptim::from_bytes(bytes, *whole, *staged, *identity); }
                    else { xoptim::from_bytes(bytes, *whole, *staged); }
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
            }
            throw_if_any(error);
            // 2. Every rank's parameters have rank 0's shapes, which are the file's, and can be
            //    broadcast where they are.
            std::uint64_t signature = detail::hash_seed;
            std::string shapes_text = std::to_string(param_total(params)) + " parameters";
            std::string local_error;
            for (std::size_t k = 0; k < param_total(params); ++k)
            {
                const auto& p = param_ref(params, k);
                detail::hash_add(signature, p.shape().size());
                for (const auto d : p.shape()) { detail::hash_add(signature, static_cast<std::uint64_t>(d)); }
                shapes_text += (k ? ", " : " ") + xoptim::detail::shape_string(p.shape());
                if (local_error.empty() && p.size() != 0 && xoptim::detail::contiguous_data(p) == nullptr)
                {
                    local_error = "parameter " + std::to_string(k) + " is not contiguous";
                }
            }
            agree(
                m_comm, who, signature, local_error, 1.0, [&] { return shapes_text; }, "the parameters");
            // 3. The groups without their state (hyperparameters, step and skip counts) as
            //    checkpoint bytes, and the tensors' shapes and steps sat out, from rank 0.
            std::vector<std::vector<state_type>> states;
            std::vector<unsigned char> bare;
            std::vector<unsigned char> shapes;
            if (is_root())
            {
                for (auto& grp : whole->groups()) { states.push_back(std::move(grp.tensors)); }
                try
                {
                    bare = xoptim::to_bytes(*whole);
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
                shapes = encode_shapes(states);
            }
            throw_if_any(error);
            detail::broadcast_bytes(m_comm, bare);
            detail::broadcast_bytes(m_comm, shapes);
            if (!is_root())
            {
                try
                {
                    whole.emplace(m_opt);
                    xoptim::from_bytes(std::span<const unsigned char>(bare), *whole);
                }
                catch (const std::exception& e)
                {
                    error = e.what();
                }
            }
            throw_if_any(error);
            // 4. Every rank takes it. Only MPI can fail from here on, and a rank that failed
            //    alone would leave the others with another state: that ends the job.
            try
            {
                m_opt = std::move(*whole);
                m_layouts.clear();
                const auto layouts = decode_shapes(shapes);
                for (std::size_t g = 0; g < layouts.size(); ++g)
                {
                    if (layouts[g].empty()) { continue; }
                    std::vector<std::vector<std::size_t>> group_shapes;
                    for (const auto& t : layouts[g]) { group_shapes.push_back(t.shape); }
                    build_layout(g, std::move(group_shapes));
                    scatter_group(g, layouts[g], is_root() ? &states[g] : nullptr);
                }
                if (is_root())
                {
                    for (std::size_t k = 0; k < param_total(params); ++k)
                    {
                        auto& p = param_ref(params, k);
                        std::copy(param_ref(*staged, k).begin(), param_ref(*staged, k).end(), p.begin());
                    }
                }
                broadcast_tensors(
                    m_comm, param_total(params), [&](std::size_t k) -> auto& { return param_ref(params, k); }, who);
            }
            catch (const std::exception& e)
            {
                if (size() == 1) { throw; }
                abort_job(m_comm.get(), who + ": " + e.what());
            }
        }

    private:
        using V = value_type;
        using state_type = typename Optimizer::state_type;

        template <class Ps>
        static std::size_t param_total(const Ps& params)
        {
            if constexpr (requires { params.shape(); }) { return 1; }
            else { return static_cast<std::size_t>(params.size()); }
        }

        template <class Ps>
        static decltype(auto) param_ref(Ps& params, std::size_t k)
        {
            if constexpr (requires { params.shape(); })
            {
                (void)k;
                return (params);
            }
            else { return (params[k]); }
        }

        // Throws checkpoint_error on every rank with the first rank's error, if any has one.
        void throw_if_any(const std::string& local_error) const
        {
            std::string message = detail::first_error(m_comm, local_error);
            if (message.empty()) { return; }
            const std::string prefix = "xoptim checkpoint: ";
            if (message.compare(0, prefix.size(), prefix) == 0) { message.erase(0, prefix.size()); }
            throw checkpoint_error(message);
        }

        // A tensor of a group's state as the ranks learn it from rank 0: its shape and lag.
        struct tensor_header
        {
            std::vector<std::size_t> shape;
            std::uint64_t lag = 0;
        };

        static void put_u64(std::vector<unsigned char>& out, std::uint64_t v)
        {
            for (int b = 0; b < 8; ++b) { out.push_back(static_cast<unsigned char>(v >> (8 * b))); }
        }

        static std::uint64_t get_u64(const std::vector<unsigned char>& in, std::size_t& at)
        {
            std::uint64_t v = 0;
            for (int b = 0; b < 8; ++b) { v |= static_cast<std::uint64_t>(in.at(at++)) << (8 * b); }
            return v;
        }

        static std::vector<unsigned char> encode_shapes(const std::vector<std::vector<state_type>>& states)
        {
            std::vector<unsigned char> out;
            put_u64(out, states.size());
            for (const auto& group : states)
            {
                put_u64(out, group.size());
                for (const auto& t : group)
                {
                    put_u64(out, t.shape.size());
                    for (const std::size_t d : t.shape) { put_u64(out, d); }
                    put_u64(out, t.lag);
                }
            }
            return out;
        }

        static std::vector<std::vector<tensor_header>> decode_shapes(const std::vector<unsigned char>& in)
        {
            std::size_t at = 0;
            std::vector<std::vector<tensor_header>> out(static_cast<std::size_t>(get_u64(in, at)));
            for (auto& group : out)
            {
                group.resize(static_cast<std::size_t>(get_u64(in, at)));
                for (auto& t : group)
                {
                    t.shape.resize(static_cast<std::size_t>(get_u64(in, at)));
                    for (std::size_t& d : t.shape) { d = static_cast<std::size_t>(get_u64(in, at)); }
                    t.lag = get_u64(in, at);
                }
            }
            return out;
        }

        // This rank's range of one slot of group g, laid end to end, to or from its pieces.
        void pack_slot(std::size_t g, std::size_t s, std::vector<V>& mine) const
        {
            const layout& lay = *m_layouts[g];
            const auto& grp = m_opt.groups()[g];
            mine.assign(lay.mine.size(), V(0));
            for (std::size_t i = 0; i < lay.pieces.size(); ++i)
            {
                const piece& pc = lay.pieces[i];
                const auto& slot = grp.tensors[i].slots[s];
                std::copy(slot.data(), slot.data() + pc.size,
                          mine.data() + (lay.starts[pc.tensor] + pc.offset - lay.mine.begin));
            }
        }

        // Rank 0's whole optimizer, with every group's state gathered from the ranks' pieces
        // (nullopt on the other ranks). Collective.
        std::optional<Optimizer> gathered() const
        {
            std::optional<Optimizer> whole;
            if (is_root()) { whole.emplace(m_opt); }
            for (std::size_t g = 0; g < m_opt.group_count(); ++g)
            {
                if (g >= m_layouts.size() || !m_layouts[g]) { continue; }
                const layout& lay = *m_layouts[g];
                const auto& grp = m_opt.groups()[g];
                const std::size_t count = lay.shapes.size();
                std::vector<std::uint64_t> lags(count, 0);
                for (std::size_t i = 0; i < lay.pieces.size(); ++i) { lags[lay.pieces[i].tensor] = grp.tensors[i].lag; }
                detail::check(MPI_Reduce(is_root() ? MPI_IN_PLACE : lags.data(), lags.data(),
                                         detail::count_of(count, "the tensors"), MPI_UINT64_T, MPI_MAX, 0,
                                         m_comm.get()),
                              "MPI_Reduce");
                std::vector<state_type> full(count);
                for (std::size_t k = 0; k < count; ++k)
                {
                    full[k].shape = lay.shapes[k];
                    full[k].lag = lags[k];
                    full[k].slots.reserve(rule_type::max_slots);
                }
                std::vector<V> mine;
                std::vector<V> all(is_root() ? lay.total : 0);
                for (std::size_t s = 0; s < rule_type::max_slots; ++s)
                {
                    if (!grp.rule.slot_active(s))
                    {
                        for (auto& t : full) { t.slots.emplace_back(std::vector<std::size_t>{0}); }
                        continue;
                    }
                    pack_slot(g, s, mine);
                    detail::check(MPI_Gatherv(mine.data(), lay.counts[static_cast<std::size_t>(rank())], datatype<V>(),
                                              all.data(), lay.counts.data(), lay.displs.data(), datatype<V>(), 0,
                                              m_comm.get()),
                                  "MPI_Gatherv");
                    if (!is_root()) { continue; }
                    for (std::size_t k = 0; k < count; ++k)
                    {
                        slot_tensor<V> slot(full[k].shape);
                        const V* from = all.data() + lay.starts[k];
                        std::copy(from, from + slot.size(), slot.data());
                        full[k].slots.push_back(std::move(slot));
                    }
                }
                if (whole) { whole->groups()[g].tensors = std::move(full); }
            }
            return whole;
        }

        // Gives each rank the state of its range of group g's tensors (rank 0 passes them
        // whole, the others nullptr); the layout is built. Collective.
        void scatter_group(std::size_t g, const std::vector<tensor_header>& headers,
                           const std::vector<state_type>* whole)
        {
            layout& lay = *m_layouts[g];
            auto& grp = m_opt.groups()[g];
            for (std::size_t i = 0; i < lay.pieces.size(); ++i)
            {
                grp.tensors[i].lag = headers[lay.pieces[i].tensor].lag;
            }
            std::vector<V> all(whole ? lay.total : 0);
            std::vector<V> mine(lay.mine.size());
            for (std::size_t s = 0; s < rule_type::max_slots; ++s)
            {
                if (!grp.rule.slot_active(s)) { continue; }
                if (whole)
                {
                    for (std::size_t k = 0; k < whole->size(); ++k)
                    {
                        const auto& slot = (*whole)[k].slots[s];
                        std::copy(slot.data(), slot.data() + slot.size(), all.data() + lay.starts[k]);
                    }
                }
                detail::check(MPI_Scatterv(all.data(), lay.counts.data(), lay.displs.data(), datatype<V>(), mine.data(),
                                           lay.counts[static_cast<std::size_t>(rank())], datatype<V>(), 0,
                                           m_comm.get()),
                              "MPI_Scatterv");
                for (std::size_t i = 0; i < lay.pieces.size(); ++i)
                {
                    const piece& pc = lay.pieces[i];
                    const V* from = mine.data() + (lay.starts[pc.tensor] + pc.offset - lay.mine.begin);
                    std::copy(from, from + pc.size, grp.tensors[i].slots[s].data());
                }
            }
        }

        // Communicators of the ranks that share a split tensor, freed with the layout.
        struct comm_list
        {
            std::vector<MPI_Comm> comms;
            comm_list() = default;
            comm_list(const comm_list&) = delete;
            comm_list& operator=(const comm_list&) = delete;
            ~comm_list()
            {
                int finalised = 0;
                MPI_Finalized(&finalised);
                if (finalised) { return; }
                for (MPI_Comm& c : comms)
                {
                    if (c != MPI_COMM_NULL) { MPI_Comm_free(&c); }
                }
            }
        };

        struct piece
        {
            std::size_t tensor;  // which parameter
            std::size_t offset;  // first element in that parameter
            std::size_t size;
            MPI_Comm shared;  // ranks sharing the tensor, or MPI_COMM_NULL when it is whole here
        };

        struct layout
        {
            std::vector<std::vector<std::size_t>> shapes;
            std::vector<std::size_t> starts;  // first flat element of each tensor
            std::size_t total = 0;
            std::vector<int> counts, displs;  // every rank's range
            row_range mine;
            std::vector<piece> pieces;
            std::unique_ptr<comm_list> comms = std::make_unique<comm_list>();
            std::vector<V> flat;   // gradients packed, then parameters gathered
            std::vector<V> shard;  // the mean gradient of this rank's range
        };

        const layout& layout_of(std::size_t g) const
        {
            if (g >= m_layouts.size() || !m_layouts[g])
            {
                throw std::out_of_range("xoptim::mpi::zero1: group " + std::to_string(g) + " has taken no step yet");
            }
            return *m_layouts[g];
        }

        // Cuts the group's parameters, of these shapes, into ranges and makes this rank's
        // pieces' state; collective (communicators are split here).
        void build_layout(std::size_t g, std::vector<std::vector<std::size_t>> shapes)
        {
            auto lay = std::make_unique<layout>();
            const std::size_t count = shapes.size();
            std::vector<std::size_t> sizes;
            for (const auto& shape : shapes)
            {
                std::size_t n = 1;
                for (const std::size_t d : shape) { n *= d; }
                sizes.push_back(n);
                lay->starts.push_back(lay->total);
                lay->total += n;
            }
            lay->shapes = std::move(shapes);
            const int n = size();
            for (int r = 0; r < n; ++r)
            {
                const row_range rr = shard_of(lay->total, r, n);
                lay->counts.push_back(detail::count_of(rr.size(), "a rank's range of parameters"));
                lay->displs.push_back(detail::count_of(rr.begin, "the parameters"));
            }
            lay->mine = shard_of(lay->total, rank(), n);
            auto owner = [&](std::size_t flat) {
                int r = 0;
                while (r + 1 < n && flat >= shard_of(lay->total, r + 1, n).begin) { ++r; }
                return r;
            };
            for (std::size_t k = 0; k < count; ++k)
            {
                const std::size_t b = lay->starts[k];
                const std::size_t e = b + sizes[k];
                MPI_Comm shared = MPI_COMM_NULL;
                if constexpr (rule_type::reductions > 0)
                {
                    if (e > b && owner(b) != owner(e - 1))
                    {
                        const bool in = std::max(b, lay->mine.begin) < std::min(e, lay->mine.end);
                        detail::check(MPI_Comm_split(m_comm.get(), in ? 0 : MPI_UNDEFINED, rank(), &shared),
                                      "MPI_Comm_split");
                        if (shared != MPI_COMM_NULL) { lay->comms->comms.push_back(shared); }
                    }
                }
                const std::size_t lo = std::max(b, lay->mine.begin);
                const std::size_t hi = std::min(e, lay->mine.end);
                if (lo < hi) { lay->pieces.push_back({k, lo - b, hi - lo, shared}); }
            }
            lay->flat.resize(lay->total);
            lay->shard.resize(lay->mine.size());

            auto& grp = m_opt.groups().at(g);
            std::vector<typename Optimizer::state_type> made;
            for (const piece& p : lay->pieces)
            {
                made.push_back(detail::make_tensor_state<Optimizer>(grp.rule, std::vector<std::size_t>{p.size}));
            }
            grp.tensors = std::move(made);
            if (m_layouts.size() <= g) { m_layouts.resize(g + 1); }
            m_layouts[g] = std::move(lay);
        }

        // Under a checking policy: whether every element of the mean gradient is finite, the
        // same answer on every rank (one MPI_Allreduce of the first bad element's position).
        // Nothing has changed yet; a skip is counted on every rank, and under throw_error every
        // rank throws the same nonfinite_gradient (the value comes from the rank holding it).
        bool agreed_finite(std::size_t g, const layout& lay)
        {
            constexpr std::uint64_t none = std::numeric_limits<std::uint64_t>::max();
            std::uint64_t first = none;
            for (std::size_t i = 0; i < lay.shard.size(); ++i)
            {
                if (!std::isfinite(lay.shard[i]))
                {
                    first = lay.mine.begin + i;
                    break;
                }
            }
            detail::check(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_UINT64_T, MPI_MIN, m_comm.get()), "MPI_Allreduce");
            if (first == none) { return true; }
            auto& grp = m_opt.groups()[g];
            if (m_opt.nonfinite() == nonfinite_policy::skip_step)
            {
                ++grp.skipped;
                return false;
            }
            int owner = 0;
            while (owner + 1 < size() && first >= static_cast<std::uint64_t>(lay.displs[owner + 1])) { ++owner; }
            double value = rank() == owner ? static_cast<double>(lay.shard[first - lay.mine.begin]) : 0.0;
            detail::check(MPI_Bcast(&value, 1, MPI_DOUBLE, owner, m_comm.get()), "MPI_Bcast");
            std::size_t k = 0;
            while (k + 1 < lay.starts.size() && first >= lay.starts[k + 1]) { ++k; }
            const std::size_t element = static_cast<std::size_t>(first) - lay.starts[k];
            throw nonfinite_gradient(g, k, element, value, xoptim::detail::index_string(lay.shapes[k], element));
        }

        template <class PAt, class GAt>
        bool step_impl(std::size_t g, std::size_t params, std::size_t grads, PAt&& param_at, GAt&& grad_at,
                       double weight)
        {
            const auto t0 = std::chrono::steady_clock::now();
            std::string local_error = detail::local_step_error(params, grads, param_at, grad_at);
            for (std::size_t k = 0; k < params && local_error.empty(); ++k)
            {
                if (xoptim::detail::contiguous_data(param_at(k)) == nullptr && param_at(k).size() != 0)
                {
                    local_error = "parameter " + std::to_string(k) + " is not contiguous";
                }
            }
            if (local_error.empty() && g >= m_opt.group_count())
            {
                local_error =
                    "group " + std::to_string(g) + " out of range (have " + std::to_string(m_opt.group_count()) + ")";
            }
            if (local_error.empty() && g < m_layouts.size() && m_layouts[g])
            {
                const auto& shapes = m_layouts[g]->shapes;
                bool same = shapes.size() == params;
                for (std::size_t k = 0; same && k < params; ++k)
                {
                    same = xoptim::detail::same_shape(shapes[k], param_at(k).shape());
                }
                if (!same) { local_error = "the parameters' shapes changed since the group's first step"; }
            }
            const std::uint64_t signature = shapes_signature(params, param_at, detail::hash_seed ^ g);
            const auto agreed = agree(m_comm, "xoptim::mpi::zero1::step", signature, local_error, weight,
                                      [&] { return shapes_text(params, param_at); });
            if (!(agreed.total_weight > 0.0))
            {
                throw std::invalid_argument("xoptim::mpi::zero1::step: the weights of the ranks sum to "
                                            + std::to_string(agreed.total_weight) + ", need > 0");
            }
            if (g >= m_layouts.size() || !m_layouts[g])
            {
                std::vector<std::vector<std::size_t>> shapes;
                for (std::size_t k = 0; k < params; ++k)
                {
                    const auto& shape = param_at(k).shape();
                    shapes.emplace_back(shape.begin(), shape.end());
                }
                build_layout(g, std::move(shapes));
            }
            layout& lay = *m_layouts[g];
            const auto t1 = std::chrono::steady_clock::now();
            m_stats.check_seconds += detail::seconds_since(t0);

            // Reduce-scatter: this rank receives the sum of its range over all ranks.
            const V w = static_cast<V>(weight);
            for (std::size_t k = 0; k < params; ++k)
            {
                const auto& gr = grad_at(k);
                const V* src = xoptim::detail::contiguous_data(gr);
                V* dst = lay.flat.data() + lay.starts[k];
                if (w == V(1)) { std::copy(src, src + gr.size(), dst); }
                else
                {
                    std::transform(src, src + gr.size(), dst, [w](V x) { return x * w; });
                }
            }
            detail::check(MPI_Reduce_scatter(lay.flat.data(), lay.shard.data(), lay.counts.data(), datatype<V>(),
                                             MPI_SUM, m_comm.get()),
                          "MPI_Reduce_scatter");
            ++m_stats.reduce_calls;
            const V total = static_cast<V>(agreed.total_weight);
            for (V& x : lay.shard) { x /= total; }
            const auto t2 = std::chrono::steady_clock::now();
            m_stats.reduce_seconds += std::chrono::duration<double>(t2 - t1).count();
            if (m_opt.nonfinite() != nonfinite_policy::propagate && !agreed_finite(g, lay)) { return false; }

            // Update this rank's pieces with their state.
            auto& grp = m_opt.groups()[g];
            const auto coefficients = grp.rule.template coefficients<V>(step_info{grp.step + 1});
            for (std::size_t i = 0; i < lay.pieces.size(); ++i)
            {
                const piece& pc = lay.pieces[i];
                V* pdata = xoptim::detail::contiguous_data(param_at(pc.tensor)) + pc.offset;
                V* gdata = lay.shard.data() + (lay.starts[pc.tensor] + pc.offset - lay.mine.begin);
                const std::array<std::size_t, 1> shape{pc.size};
                auto pview = xt::adapt(pdata, pc.size, xt::no_ownership(), shape);
                const auto gview = xt::adapt(gdata, pc.size, xt::no_ownership(), shape);
                std::array<V*, rule_type::max_slots == 0 ? 1 : rule_type::max_slots> ptrs{};
                for (std::size_t s = 0; s < rule_type::max_slots; ++s)
                {
                    auto& slot = grp.tensors[i].slots[s];
                    ptrs[s] = slot.size() ? slot.data() : nullptr;
                }
                apply_chain(grp.rule, coefficients, pview, gview, ptrs.data(), [&](double* sums, std::size_t n) {
                    if (pc.shared != MPI_COMM_NULL && n > 0)
                    {
                        detail::check(
                            MPI_Allreduce(MPI_IN_PLACE, sums, static_cast<int>(n), MPI_DOUBLE, MPI_SUM, pc.shared),
                            "MPI_Allreduce");
                    }
                });
            }
            ++grp.step;

            // Gather every rank's updated range on every rank.
            const auto t3 = std::chrono::steady_clock::now();
            for (const piece& pc : lay.pieces)
            {
                const V* src = xoptim::detail::contiguous_data(param_at(pc.tensor)) + pc.offset;
                std::copy(src, src + pc.size, lay.flat.data() + lay.starts[pc.tensor] + pc.offset);
            }
            detail::check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, lay.flat.data(), lay.counts.data(),
                                         lay.displs.data(), datatype<V>(), m_comm.get()),
                          "MPI_Allgatherv");
            ++m_stats.gather_calls;
            for (std::size_t k = 0; k < params; ++k)
            {
                auto& p = param_at(k);
                const std::size_t b = lay.starts[k];
                const std::size_t e = b + p.size();
                V* dst = xoptim::detail::contiguous_data(p);
                // This rank's own range is already in place.
                const std::size_t own_lo = std::clamp(lay.mine.begin, b, e);
                const std::size_t own_hi = std::clamp(lay.mine.end, b, e);
                std::copy(lay.flat.data() + b, lay.flat.data() + own_lo, dst);
                std::copy(lay.flat.data() + own_hi, lay.flat.data() + e, dst + (own_hi - b));
            }
            const auto t4 = std::chrono::steady_clock::now();
            m_stats.gather_seconds += std::chrono::duration<double>(t4 - t3).count();
            ++m_stats.steps;
            m_stats.step_seconds += std::chrono::duration<double>(t4 - t0).count();
            return true;
        }

        Optimizer m_opt;
        communicator m_comm;
        std::vector<std::unique_ptr<layout>> m_layouts;
        comm_stats m_stats;
    };
}
