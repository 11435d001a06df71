// sharded_objective: xoptim::fit under MPI, each rank holding part of the samples, gives the
// single-process history (global batches, whole-data losses) to rounding.

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/fit.hpp>
#include <xoptim/losses/huber.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/mpi/distributed.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/seed_data.hpp>

#include "helpers.hpp"

using namespace xoptim_mpi_test;
namespace xm = xoptim::mpi;

namespace
{
    // max over the history of |a - b| / max(1, |b|) for theta and loss, and the row counts.
    double history_difference(const xoptim::fit_result& a, const xoptim::fit_result& b)
    {
        if (a.history.size() != b.history.size()) { return INFINITY; }
        double worst = 0.0;
        for (std::size_t k = 0; k < a.history.size(); ++k)
        {
            worst = std::max(worst, max_relative_difference({a.history[k].theta}, {b.history[k].theta}));
            worst = std::max(worst, std::abs(a.history[k].loss - b.history[k].loss)
                                        / std::max(1.0, std::abs(b.history[k].loss)));
        }
        return worst;
    }

    template <class Loss, class Make>
    void check_fit(Make make, const char* name, std::size_t batch_size, double tolerance)
    {
        const std::string label = name;
        CAPTURE(label);
        const xm::communicator comm;
        const auto data = xoptim::seed_data(5, {.size = 101});
        const xoptim::fit_options options{.epochs = 30, .batch_size = batch_size, .seed = 3};

        const xoptim::linear_regression<Loss> whole(data);
        auto single = make();
        xt::xtensor<double, 1> theta_single = xt::ones<double>({2});  // LAMB needs a weight norm
        const auto expected = xoptim::fit(whole, single, theta_single, options);

        const auto sharded = xm::shard_regression(data, Loss{}, comm);
        CHECK(sharded.local().size() == xm::shard_of(101, comm.rank(), comm.size()).size());
        auto opt = make();
        xt::xtensor<double, 1> theta = xt::ones<double>({2});
        const auto got = xoptim::fit(sharded, opt, theta, options);

        CHECK(got.history.size() == expected.history.size());
        // Values alone, on the whole data and on a batch, are the whole problem's too.
        const std::vector<std::size_t> some{100, 3, 50, 0, 77, 26};
        const xoptim::batch_indices batch(some.data(), some.size());
        CHECK(std::abs(sharded.value(theta) - whole.value(theta)) <= 1e-13 * std::abs(whole.value(theta)));
        CHECK(std::abs(sharded.value(theta, batch) - whole.value(theta, batch))
              <= 1e-13 * std::abs(whole.value(theta, batch)));
        xt::xtensor<double, 1> g_sharded, g_whole;
        sharded.gradient(theta, batch, g_sharded);
        whole.gradient(theta, batch, g_whole);
        CHECK(max_relative_difference({g_sharded}, {g_whole}) <= 1e-13);
        CHECK(max_over_ranks(comm, history_difference(got, expected)) <= tolerance);
        tensors last{got.history.back().theta};
        CHECK(same_on_all_ranks(comm, last));
        // The runs moved: the loss fell.
        CHECK(got.history.back().loss < 0.5 * got.history.front().loss);
    }
}

TEST_CASE("fit on a sharded regression equals the single-process fit (global batches)")
{
    check_fit<xoptim::mse>([] { return xoptim::sgd<double>({.lr = 0.1}); }, "sgd mse batch 10", 10, 1e-12);
    check_fit<xoptim::rmse>([] { return xoptim::adam<double>({.lr = 0.1}); }, "adam rmse batch 16", 16, 1e-12);
    check_fit<xoptim::mae>([] { return xoptim::lamb<double>({.lr = 0.2}); }, "lamb mae full batch", 0, 1e-12);
    check_fit<xoptim::huber>([] { return xoptim::momentum<double>({.lr = 0.05}); }, "momentum huber batch 7", 7, 1e-12);
}

TEST_CASE("sharded_objective: rows that do not tile the data set fail on every rank")
{
    const xm::communicator comm;
    const auto data = xoptim::seed_data(1, {.size = 20});
    // Every rank claims rows [0, 5): only rank 0 is right.
    const xm::row_range rows{0, 5};
    std::string message;
    try
    {
        xm::sharded_objective<xoptim::linear_regression<>> bad(xoptim::linear_regression<>(xm::rows_of(data, rows)),
                                                               rows, 20, comm);
    }
    catch (const std::invalid_argument& e)
    {
        message = e.what();
    }
    CAPTURE(message);
    CHECK(message.find("disagree") != std::string::npos);
    CHECK(message.find("rows start at 0 but the earlier ranks hold 5") != std::string::npos);

    CHECK_THROWS_WITH_AS(xm::shard_regression(xoptim::seed_data(1, {.size = 1}), xoptim::mse{}, comm),
                         doctest::Contains("every rank needs at least one"), std::invalid_argument);
}
