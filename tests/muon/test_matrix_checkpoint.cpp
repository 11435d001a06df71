// Muon's and Shampoo's checkpoint readers refuse what would lose or poison state: a state whose
// shape is not that of the tensor registered (a step would start it afresh) and non-finite
// values in the file (written by hand, with a valid checksum); the target is left as it was.
#include <doctest/doctest.h>

#include <xoptim/muon.hpp>
#include <xoptim/shampoo.hpp>

#include <xtensor/xtensor.hpp>

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "reliability_helpers.hpp"

namespace
{
    xt::xtensor<double, 2> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed)
    {
        std::mt19937_64 gen(seed);
        xt::xtensor<double, 2> m = xt::zeros<double>({rows, cols});
        for (auto& x : m) { x = static_cast<double>(gen() >> 11) * 0x1p-53 * 2.0 - 1.0; }
        return m;
    }

    std::vector<unsigned char> bytes_of(const auto& opt) { return xoptim::to_bytes(opt); }

    // A 3 x 4 tensor registered and stepped twice; its file.
    template <class Make>
    std::vector<unsigned char> registered_file(Make make, std::size_t rows, std::size_t cols)
    {
        auto opt = make();
        xt::xtensor<double, 2> p = random_matrix(rows, cols, 1);
        opt.add_params({p});
        for (std::uint64_t k = 0; k < 2; ++k)
        {
            const auto g = random_matrix(rows, cols, 10 + k);
            opt.step({xoptim::grad_ref<double>(g)});
        }
        return bytes_of(opt);
    }

    template <class Make>
    void check_registered_shape_is_checked(Make make, const char* kind)
    {
        const auto file = registered_file(make, 3, 4);
        // The same optimizer over a 4 x 3 tensor, stepped once: the load must not change it.
        auto target = make();
        xt::xtensor<double, 2> q = random_matrix(4, 3, 2);
        target.add_params({q});
        const auto g = random_matrix(4, 3, 3);
        target.step({xoptim::grad_ref<double>(g)});
        const auto before = bytes_of(target);
        CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(file), target),
                             (std::string("xoptim checkpoint: ") + kind
                              + " tensor 0: expected the shape of the tensor registered, {4, 3}, "
                                "found {3, 4}")
                                 .c_str(),
                             xoptim::checkpoint_error);
        CHECK(bytes_of(target) == before);
        // Over a 3 x 4 tensor it loads, and the state is the file's.
        auto same = make();
        xt::xtensor<double, 2> r = random_matrix(3, 4, 4);
        same.add_params({r});
        xoptim::from_bytes(std::span<const unsigned char>(file), same);
        CHECK(bytes_of(same) == file);
    }

    // The file's last value (the last element of the last state matrix, just before the
    // checksum) replaced by `bad`, the checksum recomputed: the load names the element.
    template <class Opt>
    void check_nonfinite_is_refused(Opt& source, Opt& target, double bad, const std::string& expected)
    {
        auto file = bytes_of(source);
        xrel::write_u64(file, file.size() - 16, std::bit_cast<std::uint64_t>(bad));
        xrel::reseal(file);
        const auto before = bytes_of(target);
        CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(file), target), expected.c_str(),
                             xoptim::checkpoint_error);
        CHECK(bytes_of(target) == before);
    }
}

TEST_CASE("muon and shampoo checkpoints: a state of another shape than the tensor registered is refused")
{
    check_registered_shape_is_checked([] { return xoptim::muon<double>(); }, "muon");
    check_registered_shape_is_checked([] { return xoptim::shampoo<double>(); }, "shampoo");
}

TEST_CASE("muon and shampoo checkpoints: non-finite state values in a resealed file are refused by element")
{
    xt::xtensor<double, 2> p = random_matrix(3, 4, 5);
    const auto g = random_matrix(3, 4, 6);
    {
        auto source = xoptim::muon<double>();
        source.step(p, g);
        auto target = xoptim::muon<double>();
        check_nonfinite_is_refused(source, target, std::numeric_limits<double>::quiet_NaN(),
                                   "xoptim checkpoint: muon tensor 0 momentum: expected finite values, element 11 "
                                   "is nan");
        check_nonfinite_is_refused(source, target, -std::numeric_limits<double>::infinity(),
                                   "xoptim checkpoint: muon tensor 0 momentum: expected finite values, element 11 "
                                   "is inf");
    }
    {
        auto source = xoptim::shampoo<double>();
        source.step(p, g);
        auto target = xoptim::shampoo<double>();
        target.step(p, g);
        target.step(p, g);
        check_nonfinite_is_refused(
            source, target, std::numeric_limits<double>::infinity(),
            "xoptim checkpoint: shampoo tensor 0 momentum_buffer: expected finite values, element "
            "11 is inf");
    }
}
