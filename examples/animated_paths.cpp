// Two animated pictures that share one contour map, with play/pause and a scrub bar, drawn with
// xoptim/viz: gradient descent and heavy-ball momentum on an elongated quadratic, one picture each,
//   map.svg           the contour bands and lines, drawn once (viz::contour_background)
//   gd.svg            gradient descent over map.svg: one dot per iterate, discrete frames,
//   momentum.svg      the last held 1.5 s, play/pause and a scrub bar (viz::animation_controls)
//   index.html        both, as <object>s so that their controls run and their map loads
// in the directory given as the first argument (default: the current directory). Open index.html,
// or either picture, from disk in a browser.
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
        std::vector<double> a, b;
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
            const double na = a - lr * 2.0 * (a - 1.0) + beta * (a - pa);
            const double nb = b - lr * 20.0 * (b + 0.5) + beta * (b - pb);
            pa = a;
            pb = b;
            a = na;
            b = nb;
        }
        return h;
    }

    constexpr double width = 620, map_height = 420, controls_height = 34;

    // One run over the shared map: the path grows frame by frame, a dot appears on each iterate
    // as it is reached, the marker jumps from iterate to iterate; the controls sit below the map.
    std::string run_picture(const std::string& title, const history& h, const viz::grid& g,
                            const viz::contour_options& map_options, const viz::timeline& t, viz::rgb colour)
    {
        viz::contour_options co = map_options;
        co.title = title;
        co.background = "map.svg";  // shown as an <image>, not drawn again
        viz::svg_writer svg(width, map_height + controls_height);
        svg.rect(0, 0, width, map_height + controls_height, {{"fill", "#ffffff"}});
        const viz::frame map = viz::draw_contour_map(svg, {0, 0, width, map_height}, g, co);
        viz::animated_path(svg, map, h.a, h.b, t, {{"stroke", "#ffffff"}, {"stroke-width", 4.5}});  // a halo
        viz::animated_path(svg, map, h.a, h.b, t, {{"stroke", colour.hex()}, {"stroke-width", 1.4}});
        viz::animated_points(svg, map, h.a, h.b, t, {{"stroke", colour.hex()}}, 2.4);
        viz::animated_marker(svg, map, h.a, h.b, t, {{"fill", colour.hex()}, {"stroke", "#ffffff"}}, 5.5);
        viz::animation_controls(svg, {12, map_height + 4, 420, 26}, t);
        return svg.str();
    }
}

int main(int argc, char** argv)
{
    try
    {
        const std::filesystem::path out = argc > 1 ? argv[1] : ".";
        std::filesystem::create_directories(out);
        const int steps = 40;
        const history gd = descend(0.085, 0.0, steps);
        const history momentum = descend(0.03, 0.8, steps);

        // One frame per iterate, 0.15 s each, the last held 1.5 s before the loop starts again
        // (where no script runs, e.g. in an <img>; with the controls it plays once and holds).
        const viz::timeline t{static_cast<std::size_t>(steps + 1), 0.15 * (steps + 1), true, 1.5};

        const viz::grid g = viz::sample_grid({-5, 5}, 81, {-2.5, 2.5}, 81, loss);
        viz::contour_options co;
        co.x_label = "a";
        co.y_label = "b";
        co.spacing = viz::level_spacing::log;
        co.level_count = 12;
        // The map once, for every picture that shows it: the same grid and options.
        viz::write_text_file((out / "map.svg").string(), viz::contour_background(g, co));
        viz::write_text_file((out / "gd.svg").string(),
                             run_picture("Gradient descent, lr 0.085", gd, g, co, t, viz::cycle_colour(0)));
        viz::write_text_file((out / "momentum.svg").string(),
                             run_picture("Momentum 0.8, lr 0.03", momentum, g, co, t, viz::cycle_colour(1)));

        viz::html_page page("Two runs over one map");
        page.heading(1, "Gradient descent and momentum on f(a, b) = (a - 1)^2 + 10 (b + 0.5)^2");
        page.paragraph("Each picture opens on its last frame: play runs it once, the bar shows any iteration.");
        page.begin_row();
        page.figure_object("gd.svg", width, map_height + controls_height, "gradient descent");
        page.figure_object("momentum.svg", width, map_height + controls_height, "momentum");
        page.end_row();
        page.save((out / "index.html").string());

        std::cout << "wrote map.svg, gd.svg, momentum.svg and index.html to " << out.string() << "\n";
        return 0;
    }
    catch (const std::exception& e)
    {
        std::cerr << "animated_paths: " << e.what() << "\n";
        return 1;
    }
}
