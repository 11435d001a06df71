// data_parallel: bucketed weighted means, identical replicas, and equality with one process
// taking the same global batches.

#include <doctest/doctest.h>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/mpi/distributed.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/batches.hpp>
#include <xoptim/problems/linear_regression.hpp>

#include "helpers.hpp"

using namespace xoptim_mpi_test;
namespace xm = xoptim::mpi;

TEST_CASE("bucketed_mean: the weighted mean over ranks, small tensors packed, large ones in place")
{
    const xm::communicator comm;
    const int r = comm.rank();
    const int k = comm.size();
    // Buckets of 4 doubles: [the 3, half of the 2], [the 10 where it is], [the other half of
    // the 2, the second 3], [the 1]: 4 calls, and the 2 spans two buckets.
    const std::vector<std::size_t> sizes{3, 2, 10, 3, 1};
    tensors ts;
    for (std::size_t t = 0; t < sizes.size(); ++t)
    {
        xt::xarray<double> x = xt::zeros<double>({sizes[t]});
        for (std::size_t i = 0; i < sizes[t]; ++i)
        {
            x(i) = static_cast<double>((r + 1) * static_cast<int>(t + 1)) + 0.25 * static_cast<double>(i);
        }
        ts.push_back(x);
    }
    const double weight = r + 1;
    const double total = k * (k + 1) / 2.0;
    xm::bucketed_mean<double> mean(4 * sizeof(double));
    const auto calls = mean(
        comm, ts.size(), [&](std::size_t t) -> auto& { return ts[t]; }, weight, total);
    CHECK(calls == 4);
    // sum_r (r+1) ((r+1)(t+1) + i/4) / sum_r (r+1) = (t+1) sum (r+1)^2 / sum (r+1) + i/4
    double squares = 0.0;
    for (int q = 0; q < k; ++q) { squares += (q + 1.0) * (q + 1.0); }
    double worst = 0.0;
    for (std::size_t t = 0; t < sizes.size(); ++t)
    {
        for (std::size_t i = 0; i < sizes[t]; ++i)
        {
            const double expected = static_cast<double>(t + 1) * squares / total + 0.25 * static_cast<double>(i);
            worst = std::max(worst, std::abs(ts[t](i) - expected) / expected);
        }
    }
    CHECK(worst <= 1e-15);
    CHECK(same_on_all_ranks(comm, ts));
}

namespace
{
    const std::vector<std::vector<std::size_t>> layer_shapes{{7}, {3, 4}, {1}, {2, 2, 2}};

    // Steps a data_parallel optimizer with rank-dependent gradients, checking after every step
    // that the replicas are bitwise identical and that they equal one process stepping with
    // the mean gradient, to `tolerance`.
    template <class Opt>
    void check_replicas(Opt make, const char* name, double tolerance)
    {
        const std::string label = name;
        CAPTURE(label);
        const xm::communicator comm;
        xm::data_parallel dp(make(), comm, {.bucket_bytes = 64});
        auto reference = make();
        // Each rank starts from its own numbers; the broadcast makes them rank 0's.
        auto params = random_tensors(layer_shapes, 7 + static_cast<std::uint64_t>(comm.rank()));
        dp.broadcast_parameters(params);
        auto expected = random_tensors(layer_shapes, 7);
        CHECK(max_relative_difference(params, expected) == 0.0);
        bool identical = true;
        double worst = 0.0;
        for (int s = 0; s < 12; ++s)
        {
            auto grads = rank_gradient(params, comm.rank(), s);
            auto mean = mean_gradient(expected, comm.size(), s);
            dp.step(0, params, grads);
            reference.step(0, expected, mean);
            identical = identical && same_on_all_ranks(comm, params);
            worst = std::max(worst, max_relative_difference(params, expected));
        }
        CHECK(identical);
        CHECK(max_over_ranks(comm, worst) <= tolerance);
        CHECK(dp.stats().steps == 12);
        // Buckets of 8 doubles: the 7 and the 1 share one, the 12 and the 8 are reduced in place.
        CHECK(dp.stats().reduce_calls == 36);
    }
}

TEST_CASE("data_parallel: replicas stay bit-identical and equal one process with the mean gradient")
{
    // With two ranks the mean is (a + b) / 2 in either order: the same bits as one process.
    const double tol = xm::communicator().size() == 2 ? 0.0 : 1e-13;
    check_replicas([] { return xoptim::sgd<double>({.lr = 0.05, .momentum = 0.9}); }, "sgd", tol);
    check_replicas([] { return xoptim::adam<double>({.lr = 0.01}); }, "adam", tol);
    check_replicas([] { return xoptim::lamb<double>({.lr = 0.01, .weight_decay = 0.01}); }, "lamb", tol);
    check_replicas([] { return xoptim::lars<double>({.lr = 0.1, .weight_decay = 1e-3}); }, "lars", tol);
}

namespace
{
    // Linear regression on 4 inputs, 90 samples: y = 1 - 2 x0 + 0.5 x1 + 3 x2 - x3 + noise.
    xoptim::linear_regression<> regression_problem()
    {
        std::mt19937_64 rng(2024);
        const std::size_t n = 90, d = 4;
        xt::xtensor<double, 2> x = xt::zeros<double>({n, d});
        xt::xtensor<double, 1> y = xt::zeros<double>({n});
        const double w[d] = {-2.0, 0.5, 3.0, -1.0};
        for (std::size_t i = 0; i < n; ++i)
        {
            y(i) = 1.0;
            for (std::size_t j = 0; j < d; ++j)
            {
                x(i, j) = -1.0 + 2.0 * xoptim::detail::uniform_unit(rng);
                y(i) += w[j] * x(i, j);
            }
            y(i) += 0.1 * (xoptim::detail::uniform_unit(rng) - 0.5);
        }
        return xoptim::linear_regression<>(x, y);
    }

    // One process on global batches of 16 against every rank taking its share of each batch
    // (16 is not a multiple of 3, and the last batch of an epoch holds 10), weighted by the
    // number of samples each rank saw.
    template <class Make>
    void check_global_batches(Make make, const char* name, double tolerance)
    {
        const std::string label = name;
        CAPTURE(label);
        const xm::communicator comm;
        const auto problem = regression_problem();
        xm::data_parallel dp(make(), comm);
        auto single = make();
        // From 0.5 everywhere: LAMB's trust ratio needs weights with a norm to move.
        xt::xtensor<double, 1> theta = 0.5 * xt::ones<double>({problem.dimension()});
        xt::xtensor<double, 1> theta_single = theta;
        const double start = problem.value(theta);
        xoptim::batch_sampler sampler(problem.size(), 16, 99);
        double worst = 0.0;
        for (int s = 0; s < 60; ++s)
        {
            const auto batch = sampler.next();
            xt::xtensor<double, 1> g_single = xt::zeros<double>({problem.dimension()});
            problem.gradient(theta_single, batch, g_single);
            single.step(theta_single, g_single);

            const auto mine = xm::shard_of(batch.size(), comm.rank(), comm.size());
            xt::xtensor<double, 1> g = xt::zeros<double>({problem.dimension()});
            if (mine.size() > 0) { problem.gradient(theta, batch.subspan(mine.begin, mine.size()), g); }
            dp.step(theta, g, static_cast<double>(mine.size()));
            worst = std::max(worst, max_relative_difference({theta}, {theta_single}));
        }
        CHECK(max_over_ranks(comm, worst) <= tolerance);
        // And the run went somewhere: the loss fell well below where it started.
        MESSAGE(label << ": loss " << start << " -> " << problem.value(theta));
        CHECK(problem.value(theta) < 0.5 * start);
    }
}

TEST_CASE("data_parallel equals one process on the same global batches (only the summation order differs)")
{
    check_global_batches([] { return xoptim::sgd<double>({.lr = 0.2}); }, "sgd", 1e-12);
    check_global_batches([] { return xoptim::adam<double>({.lr = 0.1}); }, "adam", 1e-12);
    check_global_batches([] { return xoptim::lamb<double>({.lr = 0.05}); }, "lamb", 1e-12);
}

TEST_CASE("data_parallel::broadcast_state: rank 0's step counts and slots on every rank")
{
    const xm::communicator comm;
    xm::data_parallel dp(xoptim::adam<double>({.lr = 0.01}), comm);
    auto params = random_tensors(layer_shapes, 3);
    if (comm.is_root())
    {
        // Rank 0 alone has trained (as if it had loaded a checkpoint).
        for (int s = 0; s < 3; ++s)
        {
            auto g = rank_gradient(params, 0, s);
            dp.optimizer().step(0, params, g);
        }
    }
    dp.broadcast_parameters(params);
    dp.broadcast_state();
    CHECK(dp.optimizer().step_count(0) == 3);
    REQUIRE(dp.optimizer().group(0).tensors.size() == layer_shapes.size());
    tensors slots;
    for (const auto& t : dp.optimizer().group(0).tensors)
    {
        for (const auto& s : t.slots) { slots.emplace_back(s); }
    }
    CHECK(same_on_all_ranks(comm, slots));
    auto g = rank_gradient(params, comm.rank(), 3);
    dp.step(0, params, g);
    CHECK(same_on_all_ranks(comm, params));
    CHECK(dp.optimizer().step_count(0) == 4);
}
