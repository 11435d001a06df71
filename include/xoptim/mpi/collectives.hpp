#pragma once
// The collective operations of data-parallel optimisation: agreeing on the tensors' shapes
// (so that a mismatch fails on every rank instead of hanging), broadcasting tensors from
// rank 0, and the weighted mean of many tensors over all ranks by in-place MPI_Allreduce
// in buckets, so that many small tensors cost few calls.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/engine.hpp"
#include "../core/validate.hpp"
#include "environment.hpp"

namespace xoptim::mpi
{
    // What the collectives of one wrapper have done so far: calls and seconds (MPI_Wtime).
    struct comm_stats
    {
        std::uint64_t steps = 0;         // optimizer steps taken
        std::uint64_t reduce_calls = 0;  // MPI_Allreduce / MPI_Reduce_scatter calls on gradients
        std::uint64_t gather_calls = 0;  // MPI_Allgatherv calls on parameters (ZeRO-1)
        double check_seconds = 0.0;      // agreeing on shapes and weights
        double reduce_seconds = 0.0;     // reducing gradients (packing included)
        double gather_seconds = 0.0;     // gathering parameters (ZeRO-1)
        double step_seconds = 0.0;       // the whole step, the above included
    };

    namespace detail
    {
        inline void hash_add(std::uint64_t& h, std::uint64_t v) noexcept
        {
            // FNV-1a over the 8 bytes of v.
            for (int b = 0; b < 8; ++b)
            {
                h ^= (v >> (8 * b)) & 0xffu;
                h *= 0x100000001b3ull;
            }
        }

        inline constexpr std::uint64_t hash_seed = 0xcbf29ce484222325ull;

        // Every rank's description, in rank order; called by all ranks only on the error path.
        inline std::vector<std::string> gather_strings(const communicator& comm, const std::string& mine)
        {
            const int length = count_of(mine.size(), "a description");
            std::vector<int> lengths(static_cast<std::size_t>(comm.size()));
            check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm.get()), "MPI_Allgather");
            std::vector<int> offsets(lengths.size(), 0);
            std::size_t total = 0;
            for (std::size_t r = 0; r < lengths.size(); ++r)
            {
                offsets[r] = count_of(total, "the descriptions");
                total += static_cast<std::size_t>(lengths[r]);
            }
            std::string all(total, '\0');
            check(MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                                 comm.get()),
                  "MPI_Allgatherv");
            std::vector<std::string> out;
            for (std::size_t r = 0; r < lengths.size(); ++r)
            {
                out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
            }
            return out;
        }
    }

    // The outcome of `agree`: the sum of the ranks' weights, added in rank order (so the same
    // number on every rank).
    struct agreement
    {
        double total_weight = 0.0;
    };

    // One MPI_Allgather of (signature, local error, weight) from every rank. If any rank has a
    // local error or a signature that differs from rank 0's, every rank throws
    // std::invalid_argument naming `who` and `subject` and listing each rank's error or
    // `describe()`, on one line.
    template <class Describe>
    agreement agree(const communicator& comm, const std::string& who, std::uint64_t signature,
                    const std::string& local_error, double weight, Describe&& describe,
                    const std::string& subject = "the tensors")
    {
        struct entry
        {
            std::uint64_t signature;
            std::uint64_t failed;
            double weight;
        };
        const entry mine{signature, local_error.empty() ? 0u : 1u, weight};
        std::vector<entry> all(static_cast<std::size_t>(comm.size()));
        detail::check(MPI_Allgather(&mine, static_cast<int>(sizeof(entry)), MPI_BYTE, all.data(),
                                    static_cast<int>(sizeof(entry)), MPI_BYTE, comm.get()),
                      "MPI_Allgather");
        bool ok = true;
        agreement out;
        for (const entry& e : all)
        {
            // A weight must be finite and >= 0: an infinite one would make every rank's mean NaN.
            ok = ok && e.failed == 0 && e.signature == all[0].signature && std::isfinite(e.weight) && e.weight >= 0.0;
            out.total_weight += e.weight;
        }
        if (!ok)
        {
            std::string mine_text = local_error.empty() ? describe() : local_error;
            if (!(std::isfinite(weight) && weight >= 0.0))
            {
                mine_text += " (weight " + xoptim::detail::format_value(weight) + ", need finite and >= 0)";
            }
            const auto texts = detail::gather_strings(comm, mine_text);
            std::string message = who + ": the ranks disagree on " + subject + " (every rank stops here):";
            for (std::size_t r = 0; r < texts.size(); ++r)
            {
                message += (r ? "; rank " : " rank ") + std::to_string(r) + ": " + texts[r];
            }
            throw std::invalid_argument(message);
        }
        return out;
    }

    namespace detail
    {
        // The bytes of rank `root` on every rank (resized there), in messages of at most 2^30 bytes.
        inline void broadcast_bytes(const communicator& comm, std::vector<unsigned char>& bytes, int root = 0)
        {
            std::uint64_t length = bytes.size();
            check(MPI_Bcast(&length, 1, MPI_UINT64_T, root, comm.get()), "MPI_Bcast");
            bytes.resize(static_cast<std::size_t>(length));
            std::size_t done = 0;
            while (done < bytes.size())
            {
                const std::size_t n = std::min<std::size_t>(bytes.size() - done, std::size_t{1} << 30);
                check(MPI_Bcast(bytes.data() + done, static_cast<int>(n), MPI_BYTE, root, comm.get()), "MPI_Bcast");
                done += n;
            }
        }

        // The error of the lowest rank that has one (local_error non-empty), on every rank, or
        // "" when no rank has one. Collective: one MPI_Allreduce, and a broadcast on failure.
        inline std::string first_error(const communicator& comm, const std::string& local_error)
        {
            int first = local_error.empty() ? comm.size() : comm.rank();
            check(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm.get()), "MPI_Allreduce");
            if (first == comm.size()) { return {}; }
            std::vector<unsigned char> text(local_error.begin(), local_error.end());
            broadcast_bytes(comm, text, first);
            return std::string(text.begin(), text.end());
        }
    }

    // A signature of count tensors' shapes, and the text of them, for `agree`.
    template <class At>
    std::uint64_t shapes_signature(std::size_t count, At&& at, std::uint64_t h = detail::hash_seed)
    {
        detail::hash_add(h, count);
        for (std::size_t k = 0; k < count; ++k)
        {
            const auto& shape = at(k).shape();
            detail::hash_add(h, shape.size());
            for (auto d : shape) { detail::hash_add(h, static_cast<std::uint64_t>(d)); }
        }
        return h;
    }

    template <class At>
    std::string shapes_text(std::size_t count, At&& at)
    {
        std::string s = std::to_string(count) + " tensor" + (count == 1 ? "" : "s");
        for (std::size_t k = 0; k < count; ++k) { s += (k ? ", " : " ") + xoptim::detail::shape_string(at(k).shape()); }
        return s;
    }

    // Copies count tensors from rank 0 to every rank (in place; shapes checked first).
    template <class At>
    void broadcast_tensors(const communicator& comm, std::size_t count, At&& at, const std::string& who)
    {
        std::string local_error;
        for (std::size_t k = 0; k < count && local_error.empty(); ++k)
        {
            if (xoptim::detail::contiguous_data(at(k)) == nullptr && at(k).size() != 0)
            {
                local_error = "tensor " + std::to_string(k) + " is not contiguous";
            }
        }
        agree(comm, who, shapes_signature(count, at), local_error, 1.0, [&] { return shapes_text(count, at); });
        for (std::size_t k = 0; k < count; ++k)
        {
            auto& t = at(k);
            using V = std::remove_cv_t<typename std::decay_t<decltype(t)>::value_type>;
            auto* p = xoptim::detail::contiguous_data(t);
            std::size_t left = t.size();
            while (left > 0)
            {
                const std::size_t n = std::min<std::size_t>(left, 1u << 30);
                detail::check(MPI_Bcast(p, static_cast<int>(n), datatype<V>(), 0, comm.get()), "MPI_Bcast");
                p += n;
                left -= n;
            }
        }
    }

    // The weighted mean over ranks of count contiguous tensors, in place: every rank passes
    // its tensors and its weight w_r (its number of samples, or 1), and ends with
    // sum_r w_r t_r / sum_r w_r. Tensors smaller than the bucket are packed together so
    // that one MPI_Allreduce serves many; larger ones are reduced where they are.
    template <class V>
    class bucketed_mean
    {
    public:
        explicit bucketed_mean(std::size_t bucket_bytes = std::size_t{4} << 20)
            : m_capacity(std::max<std::size_t>(1, bucket_bytes / sizeof(V)))
        {}

        std::size_t bucket_elements() const noexcept { return m_capacity; }

        // weight: this rank's; total: the sum over ranks (from `agree`). Returns the calls made.
        template <class At>
        std::uint64_t operator()(const communicator& comm, std::size_t count, At&& at, double weight, double total)
        {
            if (!(total > 0.0))
            {
                throw std::invalid_argument("xoptim::mpi: the weights of the ranks sum to " + std::to_string(total)
                                            + ", need > 0");
            }
            m_calls = 0;
            m_fill = 0;
            m_segments.clear();
            // One rank: its gradients are the mean already (and stay bit for bit as they are).
            if (comm.size() == 1) { return 0; }
            const V w = static_cast<V>(weight);
            const V t = static_cast<V>(total);
            for (std::size_t k = 0; k < count; ++k)
            {
                auto& tensor = at(k);
                V* p = xoptim::detail::contiguous_data(tensor);
                const std::size_t n = tensor.size();
                if (n == 0) { continue; }
                if (p == nullptr)
                {
                    throw std::invalid_argument("xoptim::mpi: gradient " + std::to_string(k)
                                                + " is not contiguous; reduce a contiguous copy");
                }
                if (n >= m_capacity)
                {
                    if (w != V(1))
                    {
                        std::for_each(p, p + n, [w](V& x) { x *= w; });
                    }
                    reduce(comm, p, n);
                    std::for_each(p, p + n, [t](V& x) { x /= t; });
                    continue;
                }
                if (m_buffer.size() < m_capacity) { m_buffer.resize(m_capacity); }
                std::size_t off = 0;
                while (off < n)
                {
                    const std::size_t take = std::min(n - off, m_capacity - m_fill);
                    V* dst = m_buffer.data() + m_fill;
                    if (w != V(1))
                    {
                        std::transform(p + off, p + off + take, dst, [w](V x) { return x * w; });
                    }
                    else { std::copy(p + off, p + off + take, dst); }
                    m_segments.push_back({p + off, take, m_fill});
                    m_fill += take;
                    off += take;
                    if (m_fill == m_capacity) { flush(comm, t); }
                }
            }
            if (m_fill > 0) { flush(comm, t); }
            return m_calls;
        }

    private:
        struct segment
        {
            V* data;
            std::size_t size;
            std::size_t offset;
        };

        void reduce(const communicator& comm, V* p, std::size_t n)
        {
            while (n > 0)
            {
                const std::size_t m = std::min<std::size_t>(n, 1u << 30);
                detail::check(MPI_Allreduce(MPI_IN_PLACE, p, static_cast<int>(m), datatype<V>(), MPI_SUM, comm.get()),
                              "MPI_Allreduce");
                ++m_calls;
                p += m;
                n -= m;
            }
        }

        void flush(const communicator& comm, V t)
        {
            reduce(comm, m_buffer.data(), m_fill);
            for (const segment& s : m_segments)
            {
                std::transform(m_buffer.data() + s.offset, m_buffer.data() + s.offset + s.size, s.data,
                               [t](V x) { return x / t; });
            }
            m_segments.clear();
            m_fill = 0;
        }

        std::size_t m_capacity;
        std::vector<V> m_buffer;
        std::vector<segment> m_segments;
        std::size_t m_fill = 0;
        std::uint64_t m_calls = 0;
    };

    // Sums n doubles over all ranks in place (losses, sample counts).
    inline void allreduce_sum(const communicator& comm, double* values, std::size_t n)
    {
        detail::check(
            MPI_Allreduce(MPI_IN_PLACE, values, detail::count_of(n, "allreduce_sum"), MPI_DOUBLE, MPI_SUM, comm.get()),
            "MPI_Allreduce");
    }
}
