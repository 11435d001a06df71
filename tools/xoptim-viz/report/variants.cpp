#include "variants.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

#include <xoptim/core/chain.hpp>
#include <xoptim/core/optimizer.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/rules/add_decayed_weights.hpp>
#include <xoptim/rules/ewma.hpp>
#include <xoptim/rules/scale_by_adam.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xoptim/rules/trace.hpp>

namespace xoptim_viz::report
{
    namespace
    {
        /// Colours of the library's optimizers in the report, in turn: none of the notebook's, each
        /// visible on white and on viridis.
        constexpr xoptim::viz::rgb library_colours[] = {
            {0x6a, 0x3d, 0x9a}, {0x8c, 0x56, 0x4b}, {0xd6, 0x27, 0x28}, {0x17, 0x8a, 0x9e}, {0x9a, 0x9a, 0x10},
            {0xe3, 0x77, 0xc2}, {0x2c, 0xa0, 0x2c}, {0x1f, 0x3b, 0x73}, {0xb8, 0x6b, 0x0b},
        };

        /// An optimizer over a chain of default links with `values` set by their declared names
        /// (checked together, as a whole chain).
        template <class Chain>
        any_optimizer variant_of(const std::vector<xoptim::hyperparameter_setting>& values)
        {
            Chain chain;
            chain.set_all(values);
            return any_optimizer(xoptim::optimizer(std::move(chain)));
        }
    }

    const std::vector<std::string_view>& library_names()
    {
        static const std::vector<std::string_view> names = [] {
            std::vector<std::string_view> out;
            for (const auto name : xoptim::optimizer_names<double>())
            {
                const bool notebook = std::any_of(std::begin(variants), std::end(variants),
                                                  [&](const variant_info& v) { return v.id == name; });
                if (!notebook) { out.push_back(name); }
            }
            return out;
        }();
        return names;
    }

    std::string_view variant_id(std::size_t v)
    {
        return v < variant_count ? variants[v].id : library_names().at(v - variant_count);
    }

    std::string_view variant_label(std::size_t v) { return v < variant_count ? variants[v].label : variant_id(v); }

    xoptim::viz::rgb variant_colour(std::size_t v)
    {
        return v < variant_count ? variants[v].colour
                                 : library_colours[(v - variant_count) % std::size(library_colours)];
    }

    std::string_view variant_dash(std::size_t v)
    {
        // The library's optimizers: solid, then dashed, then dotted as the colours come round again.
        constexpr std::string_view library_dashes[] = {"", "6,3", "2,2"};
        return v < variant_count ? variants[v].dash
                                 : library_dashes[(v - variant_count) / std::size(library_colours) % 3];
    }

    any_optimizer make_variant(std::size_t v, double lr, const settings& s)
    {
        using namespace xoptim;
        using rate = scale_by_lr<double>;
        switch (v)
        {
        case sgd_index:
        case minibatch_index: return variant_of<chain<rate>>({{"lr", lr}});
        case 1: return variant_of<chain<add_decayed_weights, rate>>({{"weight_decay", s.weight_decay}, {"lr", lr}});
        case 2:
            return variant_of<chain<trace, add_decayed_weights, rate>>(
                {{"momentum", s.momentum}, {"weight_decay", s.weight_decay}, {"lr", lr}});
        case 3:
        case 4:
            return variant_of<chain<ewma, add_decayed_weights, rate>>(
                {{"decay", s.momentum}, {"debias", v == 4 ? 1.0 : 0.0}, {"weight_decay", s.weight_decay}, {"lr", lr}});
        case adam_index:
            return variant_of<chain<scale_by_adam, add_decayed_weights, rate>>({{"beta1", s.momentum},
                                                                                {"beta2", s.beta2},
                                                                                {"eps", s.eps},
                                                                                {"weight_decay", s.weight_decay},
                                                                                {"lr", lr}});
        case lamb_index:
            // The library's LAMB, chosen by name, with the notebook's cap on the trust ratio.
            return any_optimizer(xoptim::make_optimizer<double>("lamb", {{"lr", lr},
                                                                         {"beta1", s.momentum},
                                                                         {"beta2", s.beta2},
                                                                         {"eps", s.eps},
                                                                         {"weight_decay", s.weight_decay},
                                                                         {"trust_clip", 10.0}}));
        default:
            if (v >= variant_count && v - variant_count < library_names().size())
            {
                return any_optimizer(xoptim::make_optimizer<double>(variant_id(v), {{"lr", lr}}));
            }
            throw std::logic_error("make_variant: no variant " + std::to_string(v));
        }
    }
}
