#pragma once
// The runs a report can make: the notebook's variants (plain, weight decay, momentum, EWMA,
// debiased EWMA, Adam, LAMB, mini-batch SGD), then every optimizer the library names.

#include <cstddef>
#include <string_view>
#include <vector>

#include <xoptim/viz/colour.hpp>

#include "../optimizer_table.hpp"
#include "settings.hpp"

namespace xoptim_viz::report
{
    struct variant_info
    {
        std::string_view id;
        std::string_view label;
        std::string_view formula;
        xoptim::viz::rgb colour;  ///< the same in every figure; visible on white and on viridis
        std::string_view dash;    ///< its lines' stroke-dasharray (empty: solid), so none hides another
    };

    /// The notebook's variants, in the report's order.
    inline constexpr variant_info variants[] = {
        {"sgd", "sgd", "w -= lr g", {0x56, 0xb4, 0xe9}, ""},
        {"sgd_wd", "sgd + wd", "w -= lr (g + wd w)  (w *= 1 - lr wd, then the step)", {0x00, 0x72, 0xb2}, ""},
        {"sgd_wd_momentum", "sgd + wd + momentum", "b = mu b + g; w -= lr (b + wd w)", {0x00, 0x9e, 0x73}, ""},
        {"sgd_wd_ewma",
         "sgd + wd + EWMA momentum",
         "b = mu b + (1 - mu) g; w -= lr (b + wd w)",
         {0xcc, 0x79, 0xa7},
         ""},
        {"sgd_wd_debiased",
         "sgd + wd + debiased EWMA",
         "b as EWMA; w -= lr (b / (1 - mu^t) + wd w)",
         {0x88, 0x22, 0x55},
         "2,3"},
        {"adam", "Adam + wd", "Adam's direction (beta1 = mu), then decoupled decay", {0x00, 0x00, 0x00}, ""},
        {"lamb", "LAMB", "Adam's direction + wd w, scaled by ||w|| / ||u|| capped at 10", {0xd5, 0x5e, 0x00}, ""},
        {"minibatch_sgd", "mini-batch sgd", "w -= lr g_batch, shuffled batches", {0x88, 0x88, 0x88}, "7,4"},
    };
    inline constexpr std::size_t variant_count = std::size(variants);
    inline constexpr std::size_t sgd_index = 0;
    inline constexpr std::size_t adam_index = 5;
    inline constexpr std::size_t lamb_index = 6;
    inline constexpr std::size_t minibatch_index = 7;

    /// The library's optimizers that are not among the notebook's ids: run index
    /// variant_count + k is the k-th of them (library defaults, the report's rates).
    const std::vector<std::string_view>& library_names();

    /// Every run index's id, label and colour.
    std::string_view variant_id(std::size_t v);
    std::string_view variant_label(std::size_t v);
    xoptim::viz::rgb variant_colour(std::size_t v);
    std::string_view variant_dash(std::size_t v);

    /// The optimizer of run index v at rate lr with the report's hyperparameters.
    any_optimizer make_variant(std::size_t v, double lr, const settings& s);
}
