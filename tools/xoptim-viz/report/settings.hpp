#pragma once
// What one `xoptim-viz report` run was asked for, with the notebook's defaults.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xoptim_viz::report
{
    inline constexpr std::string_view loss_names[] = {"mse", "rmse", "mae"};

    /// A run diverges when its loss stops being finite or exceeds this many times its start.
    inline constexpr double divergence_growth = 1e4;

    struct settings
    {
        std::filesystem::path out = "build/report";
        std::vector<double> lrs;  ///< empty until read: 0.1, 1 or, with an objective, 0.001, 0.01
        std::size_t iterations = 100;
        std::string loss = "rmse";
        std::optional<std::array<double, 2>> init;
        std::vector<std::size_t> chosen;  ///< indices of variants (variants.hpp)
        std::size_t frames = 0;           ///< 0: iterations + 1, at most 201
        std::optional<std::string> objective;
        bool log_scale = true;  ///< the loss per iteration on a log axis (--linear-scale: linear)
        std::size_t batch_size = 10;
        std::uint64_t seed = 0;
        double weight_decay = 0.1;
        double momentum = 0.9;
        double beta2 = 0.99;
        double eps = 1e-6;
        std::size_t grid_points = 100;
        bool embed_maps = false;  ///< every picture carries its own contour map (for <img>)
    };
}
