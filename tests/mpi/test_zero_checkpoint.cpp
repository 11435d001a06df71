// zero1 checkpoints: the sharded state gathered into one ordinary checkpoint file, which one
// process or any number of ranks loads (resharded), resuming bit for bit. Run on 1, 2 and 3
// ranks; every run also loads the file on every smaller number of ranks.

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
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
    // Group 0: 25 elements with an empty tensor among them (cuts fall inside {3, 3} and {6});
    // group 1: 7 more, with its own rate.
    const std::vector<std::vector<std::size_t>> shapes{{5}, {3, 3}, {4}, {0}, {1}, {6}, {7}};
    constexpr std::size_t group0 = 6;

    // A gradient that every rank computes alike, in multiples of 1/256: the sum of up to 3
    // copies is exact, so the mean over any number of ranks is the gradient itself and a
    // resumed run can be compared bit for bit across numbers of ranks.
    tensors gradient_of(std::span<const xt::xarray<double>> p, int step)
    {
        tensors g;
        for (const auto& t : p)
        {
            xt::xarray<double> q = xt::round(256.0 * (t - 0.05 * static_cast<double>(step))) / 256.0;
            g.push_back(std::move(q));
        }
        return g;
    }

    auto make_adam()
    {
        auto opt = xoptim::adam<double>({.lr = 0.01, .weight_decay = 0.01});
        opt.add_group({{"lr", 0.003}});
        return opt;
    }

    auto make_momentum()
    {
        auto opt = xoptim::sgd<double>({.lr = 0.05, .momentum = 0.9, .nesterov = true});
        opt.add_group({{"lr", 0.02}});
        return opt;
    }

    template <class Opt>
    void step_both(Opt& opt, tensors& p, int s)
    {
        std::span<xt::xarray<double>> all(p);
        auto a = all.subspan(0, group0);
        auto b = all.subspan(group0);
        const auto ga = gradient_of(a, s);
        const auto gb = gradient_of(b, s);
        opt.step(0, a, ga);
        opt.step(1, b, gb);
    }

    bool bitwise_equal(const tensors& a, const tensors& b) { return max_relative_difference(a, b) == 0.0; }

    std::vector<unsigned char> file_bytes(const std::filesystem::path& path)
    {
        std::ifstream in(path, std::ios::binary);
        return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
    }

    // On the first `ranks` ranks of comm (a communicator of just those), f(sub); the others wait.
    template <class F>
    void on_first_ranks(const xm::communicator& comm, int ranks, F&& f)
    {
        MPI_Comm sub = MPI_COMM_NULL;
        MPI_Comm_split(comm.get(), comm.rank() < ranks ? 0 : MPI_UNDEFINED, comm.rank(), &sub);
        if (sub != MPI_COMM_NULL)
        {
            f(xm::communicator(sub));
            MPI_Comm_free(&sub);
        }
        comm.barrier();
    }

    template <class Make>
    void check_resume(Make make, const char* name)
    {
        const std::string label = name;
        CAPTURE(label);
        const xm::communicator comm;
        const int n = 4;
        const std::filesystem::path path = "zero1_" + label + "_" + std::to_string(comm.size()) + "_ranks.ckpt";

        // One process, 2n steps without a break; its state after n steps as a checkpoint.
        auto reference = make();
        tensors expected = random_tensors(shapes, 21);
        std::vector<unsigned char> reference_midway;
        for (int s = 0; s < 2 * n; ++s)
        {
            if (s == n) { reference_midway = xoptim::to_bytes(reference, expected); }
            step_both(reference, expected, s);
        }

        // Every rank: n steps, save, n more steps.
        xm::zero1 zero(make(), comm);
        tensors p = random_tensors(shapes, 21);
        for (int s = 0; s < n; ++s) { step_both(zero, p, s); }
        zero.save_checkpoint(path, p);
        // The gathered file is the one the single process writes, byte for byte.
        const auto saved = comm.is_root() ? file_bytes(path) : std::vector<unsigned char>();
        if (comm.is_root()) { CHECK(saved == reference_midway); }
        for (int s = n; s < 2 * n; ++s) { step_both(zero, p, s); }
        CHECK(bitwise_equal(p, expected));

        // One process loads it and goes on.
        {
            auto single = make();
            tensors q = random_tensors(shapes, 99);
            xoptim::load_checkpoint(path, single, q);
            for (int s = n; s < 2 * n; ++s) { step_both(single, q, s); }
            CHECK(bitwise_equal(q, expected));
            CHECK(xoptim::to_bytes(single, q) == xoptim::to_bytes(reference, expected));
        }

        // Every number of ranks up to this run's loads it, resharded, and goes on.
        for (int ranks = 1; ranks <= comm.size(); ++ranks)
        {
            CAPTURE(ranks);
            on_first_ranks(comm, ranks, [&](const xm::communicator& sub) {
                xm::zero1 resumed(make(), sub);
                tensors q = random_tensors(shapes, 99 + static_cast<std::uint64_t>(sub.rank()));
                resumed.load_checkpoint(path, q);
                CHECK(resumed.optimizer().step_count(0) == static_cast<std::uint64_t>(n));
                CHECK(resumed.optimizer().learning_rate(1) == make().learning_rate(1));
                // Gathered again at once, it is the same file.
                const auto again = resumed.to_bytes(q);
                if (sub.is_root()) { CHECK(again == saved); }
                for (int s = n; s < 2 * n; ++s) { step_both(resumed, q, s); }
                CHECK(bitwise_equal(q, expected));
                const auto end = resumed.to_bytes(q);
                if (sub.is_root()) { CHECK(end == xoptim::to_bytes(reference, expected)); }
                // Each rank holds only its share of the state.
                const double total = sum_over_ranks(sub, static_cast<double>(resumed.state_bytes()));
                CHECK(total == static_cast<double>(xm::detail::state_bytes(reference)));
            });
        }
        comm.barrier();
        if (comm.is_root()) { std::filesystem::remove(path); }
    }
}

TEST_CASE("zero1 checkpoints resume bit for bit on one process and on any number of ranks")
{
    check_resume(make_adam, "adam");
    check_resume(make_momentum, "momentum");
}

TEST_CASE("zero1::load_checkpoint: a damaged file or other parameters fail on every rank, nothing changed")
{
    const xm::communicator comm;
    const std::filesystem::path path = "zero1_damaged_" + std::to_string(comm.size()) + "_ranks.ckpt";
    xm::zero1 zero(make_adam(), comm);
    tensors p = random_tensors(shapes, 3);
    for (int s = 0; s < 2; ++s) { step_both(zero, p, s); }
    zero.save_checkpoint(path, p);
    const auto before = zero.to_bytes(p);
    const tensors p_before = p;

    if (comm.is_root())
    {
        auto bytes = file_bytes(path);
        bytes.resize(bytes.size() - 9);
        std::ofstream(path, std::ios::binary | std::ios::trunc)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    comm.barrier();
    CHECK_THROWS_AS(zero.load_checkpoint(path, p), xoptim::checkpoint_error);
    CHECK(bitwise_equal(p, p_before));
    const auto after = zero.to_bytes(p);
    if (comm.is_root()) { CHECK(after == before); }

    // A good file, but the last rank's parameters have another shape.
    zero.save_checkpoint(path, p);
    tensors other = p;
    if (comm.rank() == comm.size() - 1) { other[0] = xt::zeros<double>({6}); }
    const tensors other_before = other;
    CHECK_THROWS_AS(zero.load_checkpoint(path, other), std::exception);
    CHECK(bitwise_equal(other, other_before));
    const auto unchanged = zero.to_bytes(p);
    if (comm.is_root()) { CHECK(unchanged == before); }

    // A file made on another problem: refused by name on every rank, nothing changed.
    zero.save_checkpoint(path, p, {.tag = "problem A"});
    CHECK(xoptim::read_checkpoint_identity(path).tag == "problem A");
    tensors again = p;
    CHECK_THROWS_WITH_AS(zero.load_checkpoint(path, again, {.tag = "problem B"}),
                         doctest::Contains("made on \"problem A\", expected \"problem B\""), xoptim::checkpoint_error);
    CHECK(bitwise_equal(again, p));
    const auto still = zero.to_bytes(p);
    if (comm.is_root()) { CHECK(still == before); }
    zero.load_checkpoint(path, again, {.tag = "problem A"});
    CHECK(bitwise_equal(again, p));

    // The state is still whole: the ranks step on together.
    step_both(zero, p, 2);
    CHECK(same_on_all_ranks(comm, p));
    comm.barrier();
    if (comm.is_root()) { std::filesystem::remove(path); }
}
