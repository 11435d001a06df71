#pragma once
// Test support: the run that tests/data/checkpoints_v1/make_v1.cpp and checkpoints_v2/make_v2.cpp
// made before saving the earlier formats' elementwise files, so that a test can replay it now
// and compare with what the file holds: three steps on one tensor, and with `two_groups` a
// second group of two tensors stepped beside it. Returns the first tensor after the steps.

#include <cstddef>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace xoptim_test
{
    template <class V, class Opt>
    xt::xtensor<V, 1> replay_old_format_run(Opt& opt, bool two_groups)
    {
        using v = xt::xtensor<V, 1>;
        v w = {V(0.5), V(-1.5), V(2.0), V(0.25), V(-0.75), V(1.0)};
        const v target = {V(1), V(2), V(3), V(4), V(5), V(6)};
        std::vector<v> layers = {v{V(1.0), V(-2.0)}, v{V(0.5), V(0.5), V(-0.5)}};
        std::size_t g1 = 0;
        if (two_groups) { g1 = opt.add_group(opt.rule()); }
        for (int k = 0; k < 3; ++k)
        {
            const v g = V(2) * (w - target) + V(0.1) * V(k);
            opt.step(w, g);
            if (two_groups)
            {
                std::vector<v> grads = {layers[0] * V(0.5) + V(k), layers[1] - V(0.25) * V(k)};
                opt.step(g1, layers, grads);
            }
        }
        return w;
    }
}
