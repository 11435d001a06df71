#pragma once
// sharded_objective<Problem>: a separable objective whose samples are split across the ranks
// (rank r holds rows [begin, end) of the n), seen by every rank as the whole objective. Every
// value and gradient is collective: each rank evaluates its own rows, and one MPI_Allreduce of
// dimension + 1 numbers adds the parts, weighted by how many of the samples each rank holds.
// So xoptim::fit runs unchanged under mpirun: the batch sampler draws the same global batches
// on every rank, each rank takes the samples of the batch it holds, every rank receives the
// same gradient and takes the same step, and the records hold the whole data set's loss.
//
// Exact for losses that are means over samples (mse, mae, huber) and for rmse (its square,
// a mean, is what is added). Every rank must call the same methods in the same order.

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "../losses/rmse.hpp"
#include "../problems/dataset.hpp"
#include "../problems/linear_regression.hpp"
#include "../problems/objective.hpp"
#include "collectives.hpp"
#include "environment.hpp"

namespace xoptim::mpi
{
    template <class Problem>
    class sharded_objective
    {
    public:
        using problem_type = Problem;

        // `local` holds this rank's rows, which are rows `rows` of the whole data set of
        // `total` samples. Collective: checks that the ranks' rows tile [0, total) in rank order.
        sharded_objective(Problem local, row_range rows, std::size_t total, communicator comm = communicator())
            : m_local(std::move(local)), m_rows(rows), m_total(total), m_comm(comm)
        {
            std::string error;
            if (m_local.size() != rows.size())
            {
                error = "holds " + std::to_string(m_local.size()) + " samples for rows [" + std::to_string(rows.begin)
                        + ", " + std::to_string(rows.end) + ")";
            }
            // Ranks in order must cover [0, total) without gaps: begin of r = sum of earlier sizes.
            double before = static_cast<double>(rows.size());
            detail::check(MPI_Exscan(MPI_IN_PLACE, &before, 1, MPI_DOUBLE, MPI_SUM, comm.get()), "MPI_Exscan");
            if (comm.rank() == 0) { before = 0.0; }
            if (error.empty() && static_cast<double>(rows.begin) != before)
            {
                error = "rows start at " + std::to_string(rows.begin) + " but the earlier ranks hold "
                        + std::to_string(static_cast<std::size_t>(before));
            }
            double sum = static_cast<double>(rows.size());
            allreduce_sum(comm, &sum, 1);
            if (error.empty() && sum != static_cast<double>(total))
            {
                error = "the ranks hold " + std::to_string(static_cast<std::size_t>(sum)) + " rows of "
                        + std::to_string(total);
            }
            std::uint64_t signature = detail::hash_seed;
            detail::hash_add(signature, total);
            detail::hash_add(signature, m_local.dimension());
            agree(comm, "xoptim::mpi::sharded_objective", signature, error, 1.0, [&] {
                return "rows [" + std::to_string(rows.begin) + ", " + std::to_string(rows.end) + ") of "
                       + std::to_string(total) + ", " + std::to_string(m_local.dimension()) + " parameters";
            });
        }

        std::size_t size() const noexcept { return m_total; }
        std::size_t dimension() const { return m_local.dimension(); }
        row_range rows() const noexcept { return m_rows; }
        const Problem& local() const noexcept { return m_local; }
        const communicator& comm() const noexcept { return m_comm; }

        template <class P>
        double value(const P& theta) const
        {
            return combine(theta, no_gradient(), m_rows.size(), m_total, [&](auto*) { return m_local.value(theta); });
        }
        template <class P, class G>
        void gradient(const P& theta, G& g) const
        {
            value_and_gradient(theta, g);
        }
        template <class P, class G>
        double value_and_gradient(const P& theta, G& g) const
        {
            return combine(theta, &g, m_rows.size(), m_total,
                           [&](auto* out) { return xoptim::value_and_gradient(m_local, theta, *out); });
        }

        // On a global batch: this rank evaluates the batch's samples that it holds.
        template <class P>
        double value(const P& theta, batch_indices batch) const
        {
            const batch_indices mine = local_part(batch);
            return combine(theta, no_gradient(), mine.size(), batch.size(),
                           [&](auto*) { return m_local.value(theta, mine); });
        }
        template <class P, class G>
        void gradient(const P& theta, batch_indices batch, G& g) const
        {
            value_and_gradient(theta, batch, g);
        }
        template <class P, class G>
        double value_and_gradient(const P& theta, batch_indices batch, G& g) const
        {
            const batch_indices mine = local_part(batch);
            return combine(theta, &g, mine.size(), batch.size(), [&](auto* out) {
                if constexpr (requires { m_local.value_and_gradient(theta, mine, *out); })
                {
                    return m_local.value_and_gradient(theta, mine, *out);
                }
                else
                {
                    const double v = m_local.value(theta, mine);
                    m_local.gradient(theta, mine, *out);
                    return v;
                }
            });
        }

    private:
        static constexpr bool root_of_mean = requires { typename Problem::loss_type; }
        &&std::is_same_v<typename Problem::loss_type, rmse>;

        static xt::xtensor<double, 1>* no_gradient() noexcept { return nullptr; }

        batch_indices local_part(batch_indices batch) const
        {
            m_batch.clear();
            for (const std::size_t i : batch)
            {
                if (i >= m_total)
                {
                    throw std::invalid_argument("batch: index " + std::to_string(i) + " out of range for "
                                                + std::to_string(m_total) + " samples");
                }
                if (m_rows.contains(i)) { m_batch.push_back(i - m_rows.begin); }
            }
            return batch_indices(m_batch.data(), m_batch.size());
        }

        // Adds count-weighted local means (of value and, when g != nullptr, gradient) over the
        // ranks in one MPI_Allreduce and divides by the total count. For rmse, the squares
        // are what is added: M = L^2, dM = 2 L dL, then L = sqrt(M), dL = dM / (2 L).
        template <class P, class G, class Local>
        double combine(const P& theta, G* g, std::size_t count, std::size_t total, Local&& local) const
        {
            const std::size_t dim = m_local.dimension();
            const std::size_t n = 1 + (g ? dim : 0);
            m_sums.assign(n, 0.0);
            if (count > 0)
            {
                double v = 0.0;
                if (g)
                {
                    m_grad.resize({dim});
                    v = local(&m_grad);
                    const double scale = root_of_mean ? 2.0 * v : 1.0;
                    for (std::size_t j = 0; j < dim; ++j)
                    {
                        m_sums[1 + j] = static_cast<double>(count) * scale * m_grad(j);
                    }
                }
                else { v = local(no_gradient()); }
                m_sums[0] = static_cast<double>(count) * (root_of_mean ? v * v : v);
            }
            (void)theta;
            allreduce_sum(m_comm, m_sums.data(), n);
            const double t = static_cast<double>(total);
            double value = m_sums[0] / t;
            if constexpr (root_of_mean) { value = std::sqrt(value); }
            if (g)
            {
                if constexpr (requires { g->resize({dim}); })
                {
                    if (g->size() != dim) { g->resize({dim}); }
                }
                for (std::size_t j = 0; j < dim; ++j)
                {
                    double d = m_sums[1 + j] / t;
                    if constexpr (root_of_mean) { d = value > 0.0 ? d / (2.0 * value) : 0.0; }
                    (*g)(j) = d;
                }
            }
            return value;
        }

        Problem m_local;
        row_range m_rows;
        std::size_t m_total;
        communicator m_comm;
        mutable std::vector<std::size_t> m_batch;
        mutable std::vector<double> m_sums;
        mutable xt::xtensor<double, 1> m_grad;
    };

    // The rows `rows` of a data set.
    inline dataset rows_of(const dataset& data, row_range rows)
    {
        if (rows.end > data.size() || rows.begin > rows.end)
        {
            throw std::invalid_argument("rows: [" + std::to_string(rows.begin) + ", " + std::to_string(rows.end)
                                        + ") is not within the " + std::to_string(data.size()) + " samples");
        }
        dataset out;
        out.x = xt::view(data.x, xt::range(rows.begin, rows.end), xt::all());
        out.y = xt::view(data.y, xt::range(rows.begin, rows.end));
        return out;
    }

    // A linear regression on `data` split evenly across the ranks of comm: this rank keeps
    // only its rows (shard_of). Collective.
    template <class Loss = mse>
    sharded_objective<linear_regression<Loss>> shard_regression(const dataset& data, Loss loss = Loss{},
                                                                communicator comm = communicator())
    {
        // Decided alike on every rank, so that all of them throw.
        if (data.size() < static_cast<std::size_t>(comm.size()))
        {
            throw std::invalid_argument("xoptim::mpi::shard_regression: " + std::to_string(data.size())
                                        + " samples for " + std::to_string(comm.size())
                                        + " ranks: every rank needs at least one");
        }
        const row_range rows = shard_of(data.size(), comm.rank(), comm.size());
        return sharded_objective<linear_regression<Loss>>(linear_regression<Loss>(rows_of(data, rows), loss), rows,
                                                          data.size(), comm);
    }
}
