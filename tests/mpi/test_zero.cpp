// zero1: sharded optimizer state gives the replicated mode's parameters, with the state
// spread over the ranks; tensors cut between ranks keep their whole-tensor trust ratios.

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/mpi/distributed.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/rules/clip_by_norm.hpp>

#include "helpers.hpp"

using namespace xoptim_mpi_test;
namespace xm = xoptim::mpi;

namespace
{
    // 25 elements: with 2 ranks the cut falls inside {3, 3}, with 3 ranks inside {3, 3} and {6}.
    const std::vector<std::vector<std::size_t>> shapes{{5}, {3, 3}, {4}, {1}, {6}};

    template <class Make>
    void check_zero(Make make, const char* name, double tolerance)
    {
        const std::string label = name;
        CAPTURE(label);
        const xm::communicator comm;
        xm::data_parallel dp(make(), comm);
        xm::zero1 zero(make(), comm);
        auto reference = make();
        auto p_dp = random_tensors(shapes, 11);
        auto p_zero = p_dp;
        auto p_ref = p_dp;
        double worst_dp = 0.0, worst_ref = 0.0;
        bool identical = true;
        for (int s = 0; s < 15; ++s)
        {
            auto g_dp = rank_gradient(p_dp, comm.rank(), s);
            const auto g_zero = rank_gradient(p_zero, comm.rank(), s);
            auto g_ref = mean_gradient(p_ref, comm.size(), s);
            dp.step(0, p_dp, g_dp);
            zero.step(0, p_zero, g_zero);
            reference.step(0, p_ref, g_ref);
            identical = identical && same_on_all_ranks(comm, p_zero);
            worst_dp = std::max(worst_dp, max_relative_difference(p_zero, p_dp));
            worst_ref = std::max(worst_ref, max_relative_difference(p_zero, p_ref));
        }
        CHECK(identical);
        CHECK(max_over_ranks(comm, worst_dp) <= tolerance);
        CHECK(max_over_ranks(comm, worst_ref) <= tolerance);
        CHECK(zero.stats().steps == 15);
        CHECK(zero.stats().gather_calls == 15);

        // The state is split: the ranks' parts add up to one replica's state, and no rank
        // holds more than its share of the 25 elements (rounded up) times the slots in use.
        const double total = sum_over_ranks(comm, static_cast<double>(zero.state_bytes()));
        CHECK(total == static_cast<double>(dp.state_bytes()));
        const std::size_t slots = dp.optimizer().rule().slots();
        const std::size_t share =
            (25 + static_cast<std::size_t>(comm.size()) - 1) / static_cast<std::size_t>(comm.size());
        CHECK(zero.state_bytes() <= share * slots * sizeof(double));
        const auto range = zero.range(0);
        CHECK(range.size() == xm::shard_of(25, comm.rank(), comm.size()).size());
    }
}

TEST_CASE("zero1 equals the replicated mode (elementwise rules exactly with 2 ranks)")
{
    const double exact = xm::communicator().size() == 2 ? 0.0 : 1e-13;
    check_zero([] { return xoptim::sgd<double>({.lr = 0.05, .momentum = 0.9}); }, "sgd", exact);
    check_zero([] { return xoptim::adam<double>({.lr = 0.01}); }, "adam", exact);
    check_zero([] { return xoptim::adamw<double>({.lr = 0.01}); }, "adamw", exact);
}

TEST_CASE("zero1 with per-tensor norms: partial sums of cut tensors are added across ranks")
{
    // The ratio is taken from sums added in another order: equal to rounding.
    check_zero([] { return xoptim::lamb<double>({.lr = 0.01, .weight_decay = 0.01}); }, "lamb", 1e-13);
    check_zero([] { return xoptim::lars<double>({.lr = 0.1, .weight_decay = 1e-3}); }, "lars", 1e-13);
    using clipped_adam = xoptim::chain<xoptim::clip_by_norm, xoptim::scale_by_adam, xoptim::scale_by_lr<double>>;
    check_zero(
        [] {
            return xoptim::optimizer<clipped_adam, double>(
                clipped_adam(xoptim::clip_by_norm{0.5}, xoptim::scale_by_adam{}, xoptim::scale_by_lr<double>{0.01}));
        },
        "clip_by_norm + adam", 1e-13);
}

TEST_CASE("zero1: one tensor shared by every rank gets the whole tensor's trust ratio")
{
    const xm::communicator comm;
    xm::zero1 zero(xoptim::lamb<double>({.lr = 0.1}), comm);
    auto reference = xoptim::lamb<double>({.lr = 0.1});
    xt::xtensor<double, 1> w = xt::linspace<double>(-1.0, 2.0, 11);
    xt::xtensor<double, 1> w_ref = w;
    for (int s = 0; s < 5; ++s)
    {
        const xt::xtensor<double, 1> g = 0.3 * w - 0.2;
        const xt::xtensor<double, 1> g_ref = 0.3 * w_ref - 0.2;
        zero.step(w, g);
        reference.step(w_ref, g_ref);
    }
    CHECK(max_over_ranks(comm, max_relative_difference({w}, {w_ref})) <= 1e-14);
    // A per-piece ratio would have moved the pieces differently: the ratio here is far from 1.
    CHECK(std::abs(w(0) - (-1.0)) > 0.1);
}
