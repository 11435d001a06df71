#pragma once
// The optimizers the checkpoint fuzzer loads into, and the seeds are made from: one of each
// rule shape (plain, adaptive, reducing, nested schedules, float, several groups).

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/schedules.hpp>

#include <xtensor/xtensor.hpp>

namespace xoptim_fuzz
{
    inline auto make_momentum() { return xoptim::momentum(xoptim::momentum_options{0.1, 0.9, 0.1, 0.01}); }
    inline auto make_adam()
    {
        return xoptim::amsgrad(xoptim::adam_options{},
                               xoptim::linear_warmup<xoptim::cosine_decay>{{0.01, 5, 0.0, true, 2}, 2, 0.1});
    }
    inline auto make_lamb() { return xoptim::lamb<float>(xoptim::lamb_options{0.01, 0.9, 0.99, 1e-6, 0.01, 10.0}); }
    inline auto make_lars() { return xoptim::lars(xoptim::lars_options{}, xoptim::one_cycle{0.1, 10}); }
    inline auto make_rmsprop() { return xoptim::rmsprop(xoptim::rmsprop_options{0.01, 0.9, 1e-8, 0.0, 0.5, true}); }
    inline auto make_adagrad() { return xoptim::adagrad(xoptim::adagrad_options{0.1, 0.01, 0.0, 0.1}); }
    inline auto make_lion() { return xoptim::lion<float>(); }
    inline auto make_two_groups()
    {
        auto o = xoptim::adamw();
        o.add_group(xoptim::adamw_rule<>(xoptim::scale_by_adam{0.5, 0.9, 1e-6, true}, xoptim::add_decayed_weights{0.1},
                                         xoptim::scale_by_lr<>{0.2}));
        return o;
    }

    // Calls f(name, make) for each.
    template <class F>
    void for_each_type(F&& f)
    {
        f("momentum", [] { return make_momentum(); });
        f("adam", [] { return make_adam(); });
        f("lamb", [] { return make_lamb(); });
        f("lars", [] { return make_lars(); });
        f("rmsprop", [] { return make_rmsprop(); });
        f("adagrad", [] { return make_adagrad(); });
        f("lion", [] { return make_lion(); });
        f("two_groups", [] { return make_two_groups(); });
    }
}
