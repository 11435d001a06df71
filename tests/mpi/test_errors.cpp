// Mismatched tensors fail on every rank with one message naming every rank's shapes, instead
// of leaving some ranks waiting in a collective; nothing changes, and the next step works.

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/mpi/distributed.hpp>
#include <xoptim/optimizers.hpp>

#include "helpers.hpp"

using namespace xoptim_mpi_test;
namespace xm = xoptim::mpi;

namespace
{
    // Runs step(params) on every rank, the last rank with `odd` instead, and checks that
    // every rank throws std::invalid_argument whose message contains `expected`.
    template <class Wrapper>
    void check_fails_everywhere(Wrapper& w, tensors normal, tensors odd, tensors odd_grads, const std::string& expected)
    {
        const xm::communicator comm;
        const bool last = comm.rank() == comm.size() - 1;
        tensors params = last ? odd : normal;
        tensors grads = last ? odd_grads : normal;
        const tensors before = params;
        std::string message;
        try
        {
            w.step(0, params, grads);
        }
        catch (const std::invalid_argument& e)
        {
            message = e.what();
        }
        CAPTURE(message);
        CHECK(message.find("disagree") != std::string::npos);
        // One line, as a command-line tool reports an error.
        CHECK(message.find('\n') == std::string::npos);
        CHECK(message.find(expected) != std::string::npos);
        CHECK(message.find("rank 0: ") != std::string::npos);
        CHECK(message.find("rank " + std::to_string(comm.size() - 1) + ": ") != std::string::npos);
        CHECK(max_relative_difference(params, before) == 0.0);

        // The ranks are still in step: a good step goes through and agrees.
        tensors good = normal;
        tensors g = normal;
        w.step(0, good, g);
        CHECK(same_on_all_ranks(comm, good));
    }
}

TEST_CASE("a rank with a parameter of another shape: every rank throws")
{
    xm::data_parallel dp(xoptim::adam<double>({}));
    const tensors normal{xt::xarray<double>{1.0, 2.0, 3.0}};
    const tensors odd{xt::xarray<double>{1.0, 2.0, 3.0, 4.0}};
    check_fails_everywhere(dp, normal, odd, odd, "1 tensor {4}");

    xm::zero1 zero(xoptim::lamb<double>({}));
    check_fails_everywhere(zero, normal, odd, odd, "1 tensor {4}");
}

TEST_CASE("a rank with another number of tensors: every rank throws")
{
    xm::data_parallel dp(xoptim::sgd<double>({}));
    const tensors normal{xt::xarray<double>{1.0, 2.0}, xt::xarray<double>{3.0}};
    const tensors odd{xt::xarray<double>{1.0, 2.0}};
    check_fails_everywhere(dp, normal, odd, odd, "1 tensor {2}");
}

TEST_CASE("a rank whose gradient does not match its parameter: every rank throws")
{
    xm::data_parallel dp(xoptim::lamb<double>({}));
    const tensors normal{xt::xarray<double>{1.0, 2.0, 3.0}};
    const tensors bad_grad{xt::xarray<double>{1.0, 2.0}};
    check_fails_everywhere(dp, normal, normal, bad_grad, "grad of tensor 0 has shape {2}");

    xm::zero1 zero(xoptim::adam<double>({}));
    check_fails_everywhere(zero, normal, normal, bad_grad, "grad of tensor 0 has shape {2}");
}

TEST_CASE("zero1: parameters whose shapes change after the first step are refused on every rank")
{
    xm::zero1 zero(xoptim::adam<double>({}));
    tensors p{xt::xarray<double>{1.0, 2.0, 3.0}};
    tensors g = p;
    zero.step(0, p, g);
    tensors q{xt::xarray<double>{1.0, 2.0, 3.0, 4.0}};
    tensors h = q;
    CHECK_THROWS_WITH_AS(zero.step(0, q, h), doctest::Contains("shapes changed since the group's first step"),
                         std::invalid_argument);
}
