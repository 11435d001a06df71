// What the distributed wrappers do when one rank alone has bad input: every rank reaches the
// same verdict before anything changes, so that the replicas never diverge and no rank is
// left waiting in a collective.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/mpi/distributed.hpp>
#include <xoptim/optimizers.hpp>

#include "helpers.hpp"

using namespace xoptim_mpi_test;
namespace xm = xoptim::mpi;

namespace
{
    const double not_a_number = std::numeric_limits<double>::quiet_NaN();
    const double infinity = std::numeric_limits<double>::infinity();

    auto sgd_with(xoptim::nonfinite_policy policy)
    {
        auto opt = xoptim::sgd<double>({.lr = 0.1});
        opt.set_nonfinite_policy(policy);
        return opt;
    }
}

TEST_CASE("zero1 follows the wrapped optimizer's non-finite policy on every rank")
{
    const xm::communicator comm;
    const bool last = comm.rank() == comm.size() - 1;
    for (const auto policy : {xoptim::nonfinite_policy::skip_step, xoptim::nonfinite_policy::throw_error})
    {
        CAPTURE(xoptim::to_string(policy));
        xm::zero1 zero(sgd_with(policy), comm);
        tensors w{xt::xarray<double>{1.0, 2.0, 3.0, 4.0}};
        // The last rank's NaN falls in rank 0's range: only an agreed check stops every rank.
        tensors g{xt::xarray<double>{1.0, 1.0, 1.0, 1.0}};
        if (last) { g[0](0) = not_a_number; }
        const tensors before = w;
        bool applied = true;
        std::string message;
        try
        {
            applied = zero.step(0, w, g);
        }
        catch (const xoptim::nonfinite_gradient& e)
        {
            message = e.what();
        }
        CHECK(max_relative_difference(w, before) == 0.0);
        CHECK(zero.optimizer().step_count(0) == 0);
        if (policy == xoptim::nonfinite_policy::skip_step)
        {
            CHECK_FALSE(applied);
            CHECK(zero.optimizer().skipped_steps(0) == 1);
        }
        else
        {
            CAPTURE(message);
            CHECK(message.find("gradient of tensor 0 (group 0) is nan at element 0") != std::string::npos);
            CHECK(zero.optimizer().skipped_steps(0) == 0);
        }

        // The ranks are still in step: a finite gradient goes through everywhere.
        tensors good{xt::xarray<double>{1.0, 1.0, 1.0, 1.0}};
        CHECK(zero.step(0, w, good));
        CHECK(same_on_all_ranks(comm, w));
        CHECK(max_relative_difference(w, {xt::xarray<double>{0.9, 1.9, 2.9, 3.9}}) <= 1e-15);
        CHECK(zero.optimizer().step_count(0) == 1);
    }
}

TEST_CASE("data_parallel and zero1 refuse an infinite weight on one rank, on every rank")
{
    const xm::communicator comm;
    const bool last = comm.rank() == comm.size() - 1;
    xm::data_parallel dp(xoptim::sgd<double>({.lr = 0.1}), comm);
    xm::zero1 zero(xoptim::sgd<double>({.lr = 0.1}), comm);
    for (const double bad : {infinity, -1.0, not_a_number})
    {
        CAPTURE(bad);
        tensors w{xt::xarray<double>{1.0, 2.0, 3.0}};
        tensors g{xt::xarray<double>{1.0, 1.0, 1.0}};
        const tensors before = w;
        const double weight = last ? bad : 1.0;
        CHECK_THROWS_WITH_AS(dp.step(0, w, g, weight), doctest::Contains("weight"), std::invalid_argument);
        CHECK(max_relative_difference(w, before) == 0.0);
        CHECK_THROWS_WITH_AS(zero.step(0, w, g, weight), doctest::Contains("weight"), std::invalid_argument);
        CHECK(max_relative_difference(w, before) == 0.0);
    }
    CHECK(dp.optimizer().step_count(0) == 0);
    CHECK(zero.optimizer().step_count(0) == 0);
    tensors w{xt::xarray<double>{1.0, 2.0, 3.0}};
    tensors g{xt::xarray<double>{1.0, 1.0, 1.0}};
    CHECK(dp.step(0, w, g));
    CHECK(same_on_all_ranks(comm, w));
    CHECK(dp.optimizer().step_count(0) == 1);
}

TEST_CASE("data_parallel: an error of the wrapped step on one rank alone is agreed on before any change")
{
    const xm::communicator comm;
    using eager_sgd = xoptim::optimizer<xoptim::sgd_rule<double>, double, xoptim::eager_state>;
    const auto rule = xoptim::sgd<double>({.lr = 0.1, .momentum = 0.9}).rule();
    xm::data_parallel dp(eager_sgd(rule), comm);
    tensors w{xt::xarray<double>{1.0, 2.0, 3.0}, xt::xarray<double>{4.0}};
    // Rank 0 alone made the state; the other ranks' steps would throw.
    if (comm.is_root()) { dp.optimizer().init(0, w); }
    tensors g{xt::xarray<double>{1.0, 1.0, 1.0}, xt::xarray<double>{1.0}};
    const tensors before = w;
    std::string message;
    try
    {
        dp.step(0, w, g);
    }
    catch (const std::invalid_argument& e)
    {
        message = e.what();
    }
    CAPTURE(message);
    CHECK(message.find("init()") != std::string::npos);
    CHECK(max_relative_difference(w, before) == 0.0);
    CHECK(dp.optimizer().step_count(0) == 0);

    // With the state made everywhere the ranks go on together.
    if (!comm.is_root()) { dp.optimizer().init(0, w); }
    tensors good{xt::xarray<double>{1.0, 1.0, 1.0}, xt::xarray<double>{1.0}};
    CHECK(dp.step(0, w, good));
    CHECK(same_on_all_ranks(comm, w));

    // State made for other shapes on one rank: refused everywhere, nothing changed.
    if (comm.rank() == comm.size() - 1)
    {
        dp.optimizer().init(0, tensors{xt::xarray<double>{1.0, 2.0}, xt::xarray<double>{4.0}});
    }
    const tensors now = w;
    CHECK_THROWS_WITH_AS(dp.step(0, w, good), doctest::Contains("state"), std::invalid_argument);
    CHECK(max_relative_difference(w, now) == 0.0);
    CHECK(dp.optimizer().step_count(0) == 1);
}

namespace
{
    // Whether every rank's bytes equal rank 0's; the same answer on every rank.
    bool same_bytes_on_all_ranks(const xm::communicator& comm, const std::vector<unsigned char>& mine)
    {
        std::uint64_t length = mine.size();
        MPI_Bcast(&length, 1, MPI_UINT64_T, 0, comm.get());
        std::vector<unsigned char> root = mine;
        root.resize(length);
        MPI_Bcast(root.data(), static_cast<int>(length), MPI_BYTE, 0, comm.get());
        int same = root == mine ? 1 : 0;
        MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_MIN, comm.get());
        return same == 1;
    }
}

TEST_CASE("data_parallel::broadcast_state carries the whole group: hyperparameters, step, skips and lag")
{
    const xm::communicator comm;
    // The checkpoint rank 0 loads was made with lr 0.1: three steps, one skipped, and its
    // second tensor sat out one step.
    auto saved = xoptim::adam<double>({.lr = 0.1, .weight_decay = 0.01});
    saved.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
    auto p = random_tensors({{3}, {2, 2}}, 5);
    for (int s = 0; s < 3; ++s)
    {
        auto g = rank_gradient(p, 0, s);
        saved.step(0, p, g);
    }
    auto bad = rank_gradient(p, 0, 3);
    bad[1](0, 1) = not_a_number;
    CHECK_FALSE(saved.step(0, p, bad));
    saved.groups()[0].tensors[1].lag = 1;
    const auto bytes = xoptim::to_bytes(saved);

    // Every rank is built with lr 0.2, as the documented pattern has it.
    xm::data_parallel dp(xoptim::adam<double>({.lr = 0.2, .weight_decay = 0.01}), comm);
    if (comm.is_root()) { xoptim::from_bytes(bytes, dp.optimizer()); }
    dp.broadcast_state();
    CHECK(dp.optimizer().learning_rate(0) == 0.1);
    CHECK(dp.optimizer().step_count(0) == 3);
    CHECK(dp.optimizer().skipped_steps(0) == 1);
    REQUIRE(dp.optimizer().group(0).tensors.size() == 2);
    CHECK(dp.optimizer().group(0).tensors[1].lag == 1);
    CHECK(xoptim::to_bytes(dp.optimizer()) == bytes);
    CHECK(same_bytes_on_all_ranks(comm, xoptim::to_bytes(dp.optimizer())));

    auto params = p;
    dp.broadcast_parameters(params);
    auto g = rank_gradient(params, comm.rank(), 4);
    CHECK(dp.step(0, params, g));
    CHECK(same_on_all_ranks(comm, params));
    CHECK(same_bytes_on_all_ranks(comm, xoptim::to_bytes(dp.optimizer())));
}

TEST_CASE("data_parallel::broadcast_state: a rank whose groups differ stops every rank, nothing changed")
{
    const xm::communicator comm;
    auto trained = xoptim::sgd<double>({.lr = 0.1, .momentum = 0.9});
    auto p = random_tensors({{4}}, 9);
    auto g = rank_gradient(p, 0, 0);
    trained.step(0, p, g);
    xm::data_parallel dp(xoptim::sgd<double>({.lr = 0.1, .momentum = 0.9}), comm);
    if (comm.is_root()) { dp.optimizer() = trained; }
    if (comm.rank() == comm.size() - 1) { dp.optimizer().add_group({{"lr", 0.05}}); }
    const auto before = xoptim::to_bytes(dp.optimizer());
    CHECK_THROWS_WITH_AS(dp.broadcast_state(), doctest::Contains("group count"), std::invalid_argument);
    CHECK(xoptim::to_bytes(dp.optimizer()) == before);
}
