// Attacks on the library that once got through (issue 15): a gradient finite in double but not
// in a float optimizer's value type; a thread pool that cannot be started; schedules whose rate
// overflows; step counts out of bounds in a checkpoint; a group step on no tensors; LAMB's
// trust_clip refused under another name. Each must be refused by name with nothing changed.

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/batches.hpp>
#include <xoptim/schedules.hpp>

#include "reliability_helpers.hpp"

namespace attacks
{
    inline const double inf = std::numeric_limits<double>::infinity();

    inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

    template <class F>
    std::string message_of(F&& f)
    {
        try
        {
            f();
        }
        catch (const std::exception& e)
        {
            return e.what();
        }
        return {};
    }

    // A schedule of the user's own: 0.1, and -1 from its fourth value on.
    struct turns_negative
    {
        static constexpr std::string_view name = "turns_negative";
        double operator()(std::uint64_t step) const { return step < 3 ? 0.1 : -1.0; }
    };

    struct starts_negative
    {
        static constexpr std::string_view name = "starts_negative";
        double operator()(std::uint64_t) const { return -0.5; }
    };

    inline const xoptim::nonfinite_policy policies[] = {xoptim::nonfinite_policy::propagate,
                                                        xoptim::nonfinite_policy::skip_step,
                                                        xoptim::nonfinite_policy::throw_error};
}

using namespace attacks;

TEST_CASE("attacks: a gradient finite in double but not in float is non-finite for a float optimizer")
{
    const xt::xtensor<double, 1> g{0.1, 1e39, 0.1};
    const xt::xtensor<float, 1> start{1.0f, 2.0f, 3.0f};
    for (const auto policy : {xoptim::nonfinite_policy::skip_step, xoptim::nonfinite_policy::throw_error})
    {
        // single tensor
        {
            auto opt = xoptim::adam<float>(xoptim::adam_options{0.1});
            opt.set_nonfinite_policy(policy);
            xt::xtensor<float, 1> w = start;
            if (policy == xoptim::nonfinite_policy::skip_step)
            {
                CHECK_FALSE(opt.step(w, g));
                CHECK(opt.skipped_steps() == 1);
            }
            else
            {
                const std::string m = message_of([&] { opt.step(w, g); });
                CHECK(contains(m, "element 1"));
                CHECK(contains(m, "1e+39"));
            }
            CHECK(xrel::same_bits(w, start));
            CHECK(opt.step_count() == 0);
        }
        // a group
        {
            auto opt = xoptim::adam<float>(xoptim::adam_options{0.1});
            opt.set_nonfinite_policy(policy);
            std::vector<xt::xtensor<float, 1>> ws{start, start};
            const std::vector<xt::xtensor<double, 1>> gs{xt::xtensor<double, 1>{0.1, 0.1, 0.1}, g};
            if (policy == xoptim::nonfinite_policy::skip_step) { CHECK_FALSE(opt.step(0, ws, gs)); }
            else { CHECK_THROWS_AS(opt.step(0, ws, gs), xoptim::nonfinite_gradient); }
            CHECK(xrel::same_bits(ws[0], start));
            CHECK(xrel::same_bits(ws[1], start));
            CHECK(opt.step_count() == 0);
        }
        // any_optimizer, single tensor and group
        {
            auto opt = xoptim::make_optimizer<float>("adam", {{"lr", 0.1}});
            opt.set_nonfinite_policy(policy);
            xt::xtensor<float, 1> w = start;
            if (policy == xoptim::nonfinite_policy::skip_step) { CHECK_FALSE(opt.step(w, g)); }
            else { CHECK_THROWS_AS(opt.step(w, g), xoptim::nonfinite_gradient); }
            CHECK(xrel::same_bits(w, start));
            std::vector<xt::xtensor<float, 1>> ws{start};
            const std::vector<xt::xtensor<double, 1>> gs{g};
            if (policy == xoptim::nonfinite_policy::skip_step) { CHECK_FALSE(opt.step(0, ws, gs)); }
            else { CHECK_THROWS_AS(opt.step(0, ws, gs), xoptim::nonfinite_gradient); }
            CHECK(xrel::same_bits(ws[0], start));
            CHECK(opt.step_count() == 0);
        }
    }
}

