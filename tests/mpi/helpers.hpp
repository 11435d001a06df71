#pragma once
// Shared by the MPI tests: cross-rank comparisons whose verdict every rank learns, and
// seeded test data (the same on every rank unless the seed depends on the rank).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/mpi/environment.hpp>
#include <xoptim/problems/batches.hpp>

namespace xoptim_mpi_test
{
    using tensors = std::vector<xt::xarray<double>>;

    // Whether every rank holds exactly rank 0's bytes; the same answer on every rank.
    inline bool same_on_all_ranks(const xoptim::mpi::communicator& comm, const tensors& ts)
    {
        std::vector<double> mine;
        for (const auto& t : ts) { mine.insert(mine.end(), t.begin(), t.end()); }
        std::vector<double> root = mine;
        MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_DOUBLE, 0, comm.get());
        int same = std::memcmp(root.data(), mine.data(), mine.size() * sizeof(double)) == 0 ? 1 : 0;
        MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_MIN, comm.get());
        return same == 1;
    }

    // max |a - b| / max(1, |b|) over all elements of all tensors.
    inline double max_relative_difference(const tensors& a, const tensors& b)
    {
        double worst = 0.0;
        for (std::size_t k = 0; k < a.size(); ++k)
        {
            if (a[k].shape() != b[k].shape()) { return INFINITY; }
            for (std::size_t i = 0; i < a[k].size(); ++i)
            {
                const double x = a[k].data()[i];
                const double y = b[k].data()[i];
                worst = std::max(worst, std::abs(x - y) / std::max(1.0, std::abs(y)));
            }
        }
        return worst;
    }

    inline double max_over_ranks(const xoptim::mpi::communicator& comm, double v)
    {
        MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_MAX, comm.get());
        return v;
    }

    inline double sum_over_ranks(const xoptim::mpi::communicator& comm, double v)
    {
        MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_SUM, comm.get());
        return v;
    }

    // Tensors of these shapes with values uniform in [-1, 1) from a seeded generator.
    inline tensors random_tensors(const std::vector<std::vector<std::size_t>>& shapes, std::uint64_t seed)
    {
        std::mt19937_64 rng(seed);
        tensors out;
        for (const auto& s : shapes)
        {
            xt::xarray<double> t(s);
            for (auto& x : t) { x = -1.0 + 2.0 * xoptim::detail::uniform_unit(rng); }
            out.push_back(std::move(t));
        }
        return out;
    }

    // The gradient rank r contributes at step s: a smooth function of the parameters that
    // differs between ranks, g = (r + 1) p - 0.1 (s + 1) + noise(seed r, s).
    inline tensors rank_gradient(const tensors& params, int rank, int step)
    {
        std::vector<std::vector<std::size_t>> shapes;
        for (const auto& p : params) { shapes.emplace_back(p.shape().begin(), p.shape().end()); }
        auto g = random_tensors(shapes, 1000u * static_cast<std::uint64_t>(rank) + static_cast<std::uint64_t>(step));
        for (std::size_t k = 0; k < g.size(); ++k)
        {
            g[k] = 0.5 * g[k] + static_cast<double>(rank + 1) * params[k] - 0.1 * static_cast<double>(step + 1);
        }
        return g;
    }

    // The mean over ranks 0..size-1 of rank_gradient, computed in one process.
    inline tensors mean_gradient(const tensors& params, int size, int step)
    {
        tensors sum = rank_gradient(params, 0, step);
        for (int r = 1; r < size; ++r)
        {
            const auto g = rank_gradient(params, r, step);
            for (std::size_t k = 0; k < sum.size(); ++k) { sum[k] += g[k]; }
        }
        for (auto& t : sum) { t /= static_cast<double>(size); }
        return sum;
    }
}
