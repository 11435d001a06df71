#include "writer.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include <xoptim/viz/csv.hpp>
#include <xoptim/viz/file.hpp>
#include <xoptim/viz/html.hpp>
#include <xoptim/viz/surface.hpp>

#include "../explore_page.hpp"
#include "figures.hpp"
#include "tables.hpp"
#include "text.hpp"
#include "verdict.hpp"

namespace xoptim_viz::report
{
    namespace
    {
        namespace fs = std::filesystem;
        namespace viz = xoptim::viz;

        /// The files of one report, counted as they are written.
        class file_writer
        {
        public:
            explicit file_writer(const fs::path& dir) : m_dir(dir) {}

            void file(const std::string& name, std::string_view text)
            {
                viz::write_text_file((m_dir / name).string(), text);
                ++m_files;
            }
            std::size_t files() const { return m_files; }

        private:
            fs::path m_dir;
            std::size_t m_files = 0;
        };

        viz::timeline timeline_for(const settings& s)
        {
            const std::size_t frames =
                s.frames != 0 ? s.frames : std::min<std::size_t>(s.iterations + 1, most_default_frames);
            viz::timeline t;
            t.frames = std::max<std::size_t>(frames, 2);
            t.duration_s = std::clamp(0.1 * static_cast<double>(t.frames), 4.0, 16.0);
            // Iterates one by one, no gliding between them; the last one stays a moment.
            t.discrete = true;
            t.hold_s = 1.5;
            return t;
        }

        /// The shared contour background of a surface ("" when every picture embeds its map).
        std::string background_of(const settings& s, const problem_info::surface& sf)
        {
            return s.embed_maps ? std::string() : "map_" + sf.id + ".svg";
        }

        constexpr double paths_width = 900;
        constexpr double paths_height = 634;
        constexpr double run_width = 1100;
        constexpr double run_height = 854;

        /// What every section draws with.
        struct context
        {
            const settings& s;
            const problem_info& info;
            const std::vector<run_summary>& runs;
            viz::timeline t;
            viz::point optimum;
            std::string optimum_label;
            file_writer& w;
            viz::html_page& page;
        };

        /// The inset of the figures, drawn from its shared background unless maps are embedded.
        std::optional<figures::inset_view> inset_of(const context& c)
        {
            if (!c.info.inset) { return std::nullopt; }
            figures::inset_view in{c.info.inset->g, c.info.inset->map};
            in.map.background = background_of(c.s, *c.info.inset);
            return in;
        }

        void introduction(const context& c, const std::vector<double>& start, const std::vector<std::string>& verdict)
        {
            auto& page = c.page;
            page.heading(1, "Optimizers Visualisation, reproduced");
            page.paragraph(
                "The post \"Optimizers Visualisation\" compares gradient descent and its tweaks (weight decay, "
                "momentum, Adam, LAMB) on a straight line fitted to noisy data, and concludes that \"with LAMB "
                "we can use high learning rate yet the algorithm converge smoothly to the optimal parameters\". "
                "This page reruns it with xoptim, with real LAMB, and checks that claim with numbers.");
            if (!explore_page().empty())
            {
                page.link("explore.html", "Play with it: the explorer runs these optimizers live in the browser (the "
                                          "library itself, compiled to WebAssembly): pick them, set the learning rate "
                                          "and the rest, drag the start");
            }
            page.settings_table(settings_rows(c.s, c.info, start, c.t), "Settings");
            page.heading(2, "Conclusion", "conclusion");
            for (const auto& line : verdict) { page.paragraph(line); }
        }

        /// 1. The data and its least-squares line.
        void data_section(const context& c)
        {
            const auto& d = *c.info.data;
            viz::chart_options co;
            co.title = "The data and the least-squares line";
            co.width = 640;
            co.height = 420;
            c.w.file("data.svg", figures::data_figure(d, co));
            std::vector<double> fitted(d.x.size());
            for (std::size_t i = 0; i < d.x.size(); ++i)
            {
                fitted[i] = d.reference->intercept + d.reference->slope * d.x[i];
            }
            c.w.file("data.csv", viz::columns_csv({"x", "y", "least_squares_fit"}, {d.x, d.y, fitted}));
            c.page.heading(2, "The data", "data");
            c.page.figure_file("data.svg", "100 points and the least-squares line y = " + human(d.reference->intercept)
                                               + " + " + human(d.reference->slope) + " x (data.csv)");
        }

        /// 2. Every loss over the grid: surfaces.csv, a shaded surface and a contour map each.
        void surfaces_section(const context& c)
        {
            const auto& info = c.info;
            c.page.heading(2, info.data ? "The loss surfaces" : "The objective", "surfaces");
            {
                std::vector<std::string> header{"theta0", "theta1"};
                for (const auto& sf : info.surfaces) { header.push_back(sf.id); }
                viz::csv_writer csv(header);
                const auto& g0 = info.surfaces.front().g;
                std::vector<double> row(header.size());
                for (std::size_t i = 0; i < g0.nx(); ++i)
                {
                    for (std::size_t j = 0; j < g0.ny(); ++j)
                    {
                        row[0] = g0.x[i];
                        row[1] = g0.y[j];
                        for (std::size_t k = 0; k < info.surfaces.size(); ++k)
                        {
                            row[2 + k] = info.surfaces[k].g.z_at(i, j);
                        }
                        csv.row(row);
                    }
                }
                c.w.file("surfaces.csv", csv.str());
            }
            for (const auto& sf : info.surfaces)
            {
                viz::surface_options so;
                so.title = sf.label + " over (theta0, theta1)";
                so.x_label = "theta0";
                so.y_label = "theta1";
                so.z_label = sf.label;
                so.width = 560;
                so.height = 460;
                c.w.file("surface_" + sf.id + ".svg", viz::surface_plot(sf.g, so));
                viz::contour_options co = sf.map;
                if (!c.s.embed_maps) { c.w.file(background_of(c.s, sf), viz::contour_background(sf.g, sf.map)); }
                co.background = background_of(c.s, sf);
                co.title = sf.label + " contours";
                co.x_label = "theta0";
                co.y_label = "theta1";
                co.width = 560;
                co.height = 460;
                viz::svg_writer svg(co.width, co.height);
                svg.rect(0, 0, co.width, co.height, {{"fill", "#ffffff"}});
                const auto f = viz::draw_contour_map(svg, {0, 0, co.width, co.height}, sf.g, co);
                figures::detail::optimum_mark(svg, f, sf.optimum, sf.optimum_label);
                c.w.file("contour_" + sf.id + ".svg", svg.str());
                c.page.begin_row();
                c.page.figure_file("surface_" + sf.id + ".svg", sf.label + ": shaded surface");
                const std::string caption =
                    sf.label + ": contour map"
                    + (sf.map.spacing == viz::level_spacing::log ? " (levels spaced in log)" : "")
                    + "; the cross marks the " + sf.optimum_label + " optimum";
                if (co.background.empty()) { c.page.figure_file("contour_" + sf.id + ".svg", caption); }
                else { c.page.figure_object("contour_" + sf.id + ".svg", co.width, co.height, caption); }
                c.page.end_row();
            }
            c.page.paragraph("The grid values are in surfaces.csv.");
        }

        /// 3-5. One learning rate: the loss per iteration, every path on one map, the table, and
        /// each run animated.
        void rate_section(const context& c, double lr)
        {
            const auto& s = c.s;
            const auto& info = c.info;
            const auto& main = info.surfaces[info.main_surface];
            const std::string tag = lr_tag(lr);
            std::vector<const run_summary*> these;
            std::vector<figures::run_history> histories;
            for (const auto& r : c.runs)
            {
                if (r.lr == lr)
                {
                    these.push_back(&r);
                    histories.push_back(r.history);
                }
            }
            c.page.heading(2, "Learning rate " + human(lr), tag);

            figures::loss_chart_options lo;
            lo.title = info.loss_label + " per iteration, lr = " + human(lr);
            lo.y_label = info.loss_label + (s.log_scale ? " (log scale)" : "");
            lo.log_y = s.log_scale;
            lo.optimum = info.optimal_loss;
            c.w.file("loss_" + tag + ".svg", figures::loss_chart(histories, lo));
            {
                std::vector<std::string> header{"iteration"};
                std::vector<std::vector<double>> columns{figures::detail::counting(s.iterations + 1)};
                for (const auto* r : these)
                {
                    header.push_back(std::string(variant_id(r->variant)));
                    std::vector<double> col = r->history.loss;
                    col.resize(s.iterations + 1, std::numeric_limits<double>::quiet_NaN());
                    columns.push_back(std::move(col));
                }
                c.w.file("loss_" + tag + ".csv", viz::columns_csv(header, columns));
            }

            figures::paths_options po;
            po.title = "All paths over the " + info.loss_label + ", lr = " + human(lr);
            po.map = main.map;
            po.map.background = background_of(s, main);
            po.width = paths_width;
            po.height = paths_height;
            po.time = c.t;
            po.inset = inset_of(c);
            po.optimum = c.optimum;
            po.optimum_label = c.optimum_label;
            c.w.file("paths_" + tag + ".svg", figures::paths_figure(histories, main.g, po));
            {
                viz::csv_writer csv({"optimizer", "iteration", "theta0", "theta1", "loss"});
                for (const auto* r : these)
                {
                    for (std::size_t k = 0; k < r->history.loss.size(); ++k)
                    {
                        csv.row({std::string(variant_id(r->variant)), std::to_string(k),
                                 viz::format_full(r->history.theta0[k]), viz::format_full(r->history.theta1[k]),
                                 viz::format_full(r->history.loss[k])});
                    }
                }
                c.w.file("paths_" + tag + ".csv", csv.str());
            }
            c.page.begin_row();
            c.page.figure_file("loss_" + tag + ".svg", "The loss per iteration (loss_" + tag + ".csv)");
            c.page.figure_object("paths_" + tag + ".svg", paths_width, paths_height,
                                 "Every path over the contour map of the " + info.loss_label + ", one dot per iterate"
                                     + " (play, pause or drag the bar; paths_" + tag + ".csv)");
            c.page.end_row();
            std::vector<std::vector<std::string>> rows;
            for (const auto* r : these) { rows.push_back(table_row(*r)); }
            c.page.data_table(table_header, rows, "Summary at lr = " + human(lr));

            c.page.heading(3, "Each optimizer, animated");
            for (const auto* r : these)
            {
                const std::string id(variant_id(r->variant));
                figures::run_figure_options fo;
                fo.title = r->history.name + ", lr = " + human(lr);
                fo.time = c.t;
                fo.inset = inset_of(c);
                fo.map = main.map;
                fo.map.background = background_of(s, main);
                fo.width = run_width;
                fo.height = run_height;
                fo.optimum = c.optimum;
                fo.optimum_label = c.optimum_label;
                fo.loss_label = info.loss_label;
                fo.log_loss = s.log_scale;
                const figures::scatter_data* data = info.data ? &*info.data : nullptr;
                c.w.file("anim_" + tag + "_" + id + ".svg", figures::run_animation(r->history, main.g, fo, data));
                c.w.file("history_" + tag + "_" + id + ".csv",
                         viz::columns_csv({"iteration", "theta0", "theta1", "loss"},
                                          {figures::detail::counting(r->history.loss.size()), r->history.theta0,
                                           r->history.theta1, r->history.loss}));
                c.page.figure_object("anim_" + tag + "_" + id + ".svg", run_width, run_height,
                                     r->history.name + " at lr " + human(lr)
                                         + (r->history.diverged ? " (diverged)" : "") + " (history_" + tag + "_" + id
                                         + ".csv)");
            }
        }

        /// 6. summary.csv, summary.md and the table of every run.
        void summary_section(const context& c, const std::vector<double>& start,
                             const std::vector<std::string>& verdict)
        {
            {
                viz::csv_writer csv(summary_header());
                for (const auto& r : c.runs) { csv.row(summary_row(r, c.info)); }
                c.w.file("summary.csv", csv.str());
            }
            c.w.file("summary.md", summary_markdown(c.runs, c.s, c.info, start, c.t, verdict));
            c.page.heading(2, "Summary of every run", "summary");
            std::vector<std::string> header{"lr"};
            header.insert(header.end(), table_header.begin(), table_header.end());
            std::vector<std::vector<std::string>> rows;
            for (const auto& r : c.runs)
            {
                auto row = table_row(r);
                row.insert(row.begin(), human(r.lr));
                rows.push_back(std::move(row));
            }
            c.page.data_table(header, rows, "Every optimizer at every learning rate");
            c.page.link("summary.md", "summary.md: the summary and the conclusion");
            c.page.link("summary.csv", "summary.csv: the same numbers in full precision");
            c.page.link("surfaces.csv", "surfaces.csv: the loss surfaces on the grid");
        }
    }

    std::size_t write_report(const std::vector<run_summary>& runs, const problem_info& info, const settings& s,
                             const std::vector<double>& start, std::ostream& out,
                             std::chrono::steady_clock::time_point started)
    {
        file_writer w(s.out);
        viz::html_page page("Optimizers Visualisation, reproduced by xoptim");
        const context c{s,
                        info,
                        runs,
                        timeline_for(s),
                        viz::point{info.optimum[0], info.optimum[1]},
                        info.minima.empty() ? info.optimum_name : "minimum",
                        w,
                        page};
        const auto verdict = conclusion(runs, s, info);
        fs::create_directories(s.out);
        introduction(c, start, verdict);
        if (info.data) { data_section(c); }
        surfaces_section(c);
        if (info.inset && !s.embed_maps)
        {
            w.file(background_of(s, *info.inset), viz::contour_background(info.inset->g, info.inset->map));
        }
        for (double lr : s.lrs) { rate_section(c, lr); }
        summary_section(c, start, verdict);
        if (!explore_page().empty()) { w.file("explore.html", explore_page()); }
        page.save((s.out / "index.html").string());
        const std::size_t files = w.files() + 1;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        out << "wrote " << files << " files to " << s.out.string() << " in " << human(seconds) << " s\n"
            << "  " << (s.out / "index.html").string() << "\n  " << (s.out / "summary.md").string() << "\n";
        if (!explore_page().empty()) { out << "  " << (s.out / "explore.html").string() << " (the explorer)\n"; }
        for (const auto& line : verdict) { out << line << "\n"; }
        return files;
    }
}
