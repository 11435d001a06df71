// Draws an optimisation history with xoptim/viz: gradient descent and heavy-ball
// momentum on an elongated quadratic, written inline, shown as
//   path.svg     the contour map of the loss with both paths, animated
//   loss.svg     the loss per iteration (log scale) with a moving cursor
//   surface.svg  the loss as a shaded 3-D surface
//   history.csv  the data behind the figures
//   index.html   a page showing all of it
// in the directory given as the first argument (default: the current directory).
#include <cmath>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <xoptim/viz/viz.hpp>

namespace viz = xoptim::viz;

namespace
{
    // f(a, b) = (a - 1)^2 + 10 (b + 0.5)^2: minimum 0 at (1, -0.5), badly conditioned.
    double loss(double a, double b) { return (a - 1.0) * (a - 1.0) + 10.0 * (b + 0.5) * (b + 0.5); }

    struct history
    {
        std::vector<double> a, b, loss;
    };

    // theta <- theta - lr * g + beta * (theta - theta_previous); beta = 0 is plain gradient descent.
    history descend(double lr, double beta, int steps)
    {
        history h;
        double a = -4.0, b = 1.2, pa = a, pb = b;
        for (int k = 0; k <= steps; ++k)
        {
            h.a.push_back(a);
            h.b.push_back(b);
            h.loss.push_back(loss(a, b));
            const double ga = 2.0 * (a - 1.0), gb = 20.0 * (b + 0.5);
            const double na = a - lr * ga + beta * (a - pa), nb = b - lr * gb + beta * (b - pb);
            pa = a;
            pb = b;
            a = na;
            b = nb;
        }
        return h;
    }
}

int main(int argc, char** argv)
{
    try
    {
        const std::filesystem::path out = argc > 1 ? argv[1] : ".";
        std::filesystem::create_directories(out);
        const int steps = 60;
        const history gd = descend(0.085, 0.0, steps);
        const history momentum = descend(0.03, 0.8, steps);

        // One timeline for every animated figure keeps them in step.
        const viz::timeline t{61, 6.0, false};

        // The loss on a grid, as a contour map with both paths.
        const viz::grid g = viz::sample_grid({-5, 5}, 81, {-2.5, 2.5}, 81, loss);
        viz::contour_options co;
        co.title = "Paths over the loss";
        co.x_label = "a";
        co.y_label = "b";
        co.spacing = viz::level_spacing::log;  // the loss spans five orders of magnitude
        co.level_count = 12;
        co.width = 620;
        co.height = 420;
        viz::svg_writer path_svg(co.width, co.height);
        path_svg.rect(0, 0, co.width, co.height, {{"fill", "#ffffff"}});
        const viz::frame map = viz::draw_contour_map(path_svg, {0, 0, co.width, co.height}, g, co);
        const viz::attrs gd_style{{"stroke", viz::cycle_colour(0).hex()}, {"stroke-width", 2}};
        const viz::attrs mom_style{{"stroke", viz::cycle_colour(1).hex()}, {"stroke-width", 2}};
        viz::animated_path(path_svg, map, gd.a, gd.b, t, gd_style);
        viz::animated_path(path_svg, map, momentum.a, momentum.b, t, mom_style);
        viz::animated_marker(path_svg, map, gd.a, gd.b, t,
                             {{"fill", viz::cycle_colour(0).hex()}, {"stroke", "#ffffff"}});
        viz::animated_marker(path_svg, map, momentum.a, momentum.b, t,
                             {{"fill", viz::cycle_colour(1).hex()}, {"stroke", "#ffffff"}});
        // The legend in the lower right corner, away from the start of the paths.
        const std::vector<viz::legend_entry> entries{{"gradient descent", viz::cycle_colour(0), "", true, false},
                                                     {"momentum 0.8", viz::cycle_colour(1), "", true, false}};
        const auto [legend_w, legend_h] = viz::legend_size(entries);
        viz::draw_legend(path_svg, map.area.right() - legend_w - 8, map.area.bottom() - legend_h - 8, entries);
        path_svg.save((out / "path.svg").string());

        // The loss per iteration, with a cursor moving in step with the markers.
        viz::chart_options lo;
        lo.title = "Loss per iteration";
        lo.x_label = "iteration";
        lo.y_label = "loss";
        lo.log_y = true;
        lo.width = 620;
        lo.height = 380;
        viz::svg_writer loss_svg(lo.width, lo.height);
        loss_svg.rect(0, 0, lo.width, lo.height, {{"fill", "#ffffff"}});
        const viz::frame chart = viz::draw_chart(
            loss_svg, {0, 0, lo.width, lo.height},
            {viz::iteration_series("gradient descent", gd.loss), viz::iteration_series("momentum 0.8", momentum.loss)},
            lo);
        std::vector<double> iteration;
        for (int k = 0; k <= steps; ++k) { iteration.push_back(k); }
        viz::animated_cursor(loss_svg, chart, iteration, t);
        loss_svg.save((out / "loss.svg").string());

        viz::surface_options so;
        so.title = "The loss as a surface";
        so.x_label = "a";
        so.y_label = "b";
        so.z_label = "loss";
        viz::write_text_file((out / "surface.svg").string(), viz::surface_plot(g, so));

        viz::write_text_file(
            (out / "history.csv").string(),
            viz::columns_csv({"iteration", "gd_a", "gd_b", "gd_loss", "momentum_a", "momentum_b", "momentum_loss"},
                             {iteration, gd.a, gd.b, gd.loss, momentum.a, momentum.b, momentum.loss}));

        viz::html_page page("Optimisation history");
        page.heading(1, "Gradient descent and momentum on f(a, b) = (a - 1)^2 + 10 (b + 0.5)^2");
        page.settings_table({{"start", "(-4, 1.2)"},
                             {"gradient descent", "lr 0.085"},
                             {"momentum", "lr 0.03, beta 0.8"},
                             {"iterations", std::to_string(steps)}},
                            "Settings");
        page.begin_row();
        page.figure_file("path.svg", "Both paths over the contour map of the loss");
        page.figure_file("loss.svg", "The loss per iteration");
        page.end_row();
        page.figure_file("surface.svg", "The loss surface");
        page.data_table({"optimizer", "final loss"},
                        {{"gradient descent", viz::format_full(gd.loss.back())},
                         {"momentum 0.8", viz::format_full(momentum.loss.back())}},
                        "Result");
        page.link("history.csv", "The data behind the figures (CSV)");
        page.save((out / "index.html").string());

        std::cout << "wrote path.svg, loss.svg, surface.svg, history.csv and index.html to " << out.string() << "\n"
                  << "final loss: gradient descent " << gd.loss.back() << ", momentum " << momentum.loss.back() << "\n";
        return 0;
    }
    catch (const std::exception& e)
    {
        std::cerr << "plot_history: " << e.what() << "\n";
        return 1;
    }
}
