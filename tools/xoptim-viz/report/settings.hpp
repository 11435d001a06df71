#pragma once
// What one `xoptim-viz report` run was asked for, with the notebook's defaults: each is written
// here once, and the flags' help shows it from here.

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

    /// The notebook's learning rates, and those of a test function (--objective).
    inline constexpr std::array<double, 2> regression_lrs{0.1, 1.0};
    inline constexpr std::array<double, 2> objective_lrs{0.001, 0.01};

    /// The notebook's start (theta0, theta1) on the regression.
    inline constexpr std::array<double, 2> regression_start{-20.0, -10.0};

    /// Without --frames an animation has iterations + 1 frames, at most this many.
    inline constexpr std::size_t most_default_frames = 201;

    /// Each member's value here is the default of its flag (report/flags.cpp), shown in --help.
    struct settings
    {
        std::filesystem::path out = "build/report";
        std::vector<double> lrs;  ///< regression_lrs or, with an objective, objective_lrs, unless --lr
        std::size_t iterations = 100;
        std::string loss = "rmse";
        std::optional<std::array<double, 2>> init;  ///< regression_start, or the objective's start
        std::vector<std::size_t> chosen;            ///< indices of variants (variants.hpp)
        std::size_t frames = 0;                     ///< 0: iterations + 1, at most most_default_frames
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
