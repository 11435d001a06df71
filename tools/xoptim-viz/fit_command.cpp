// xoptim-viz fit: runs one optimizer on a problem (a linear regression on a data set, or a 2-D
// test function) and writes the trajectory as CSV: step,theta0,...,loss.

#include <algorithm>
#include <cstdio>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <xoptim/fit.hpp>
#include <xoptim/losses/huber.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/multi_output_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/problems/test_functions.hpp>

#include "cli.hpp"
#include "command_line.hpp"
#include "distributed.hpp"
#include "hyperparameter_flags.hpp"
#include "lbfgs_fit.hpp"
#include "optimizer_table.hpp"
#include "seed_data_flags.hpp"

namespace xoptim_viz
{
    namespace
    {

        constexpr std::string_view usage =
            "xoptim-viz fit [--data FILE.csv | --seed-data [--seed N]] [--outputs K [--features D]]\n"
            "                      [--objective NAME]\n"
            "                      [--loss mse|rmse|mae|huber] --optimizer NAME [--lr X] [--epochs N]\n"
            "                      [--batch-size B] [--init A,B] [--checkpoint FILE] [--resume FILE]\n"
            "                      [the optimizer's hyperparameter flags, listed below]";

        /// fit's description, with the seed's and the generated data sets as the library makes them.
        std::string description()
        {
            const xoptim::multi_output_data_options m;
            return "Runs one optimizer and writes its trajectory as CSV to standard output: a header\n"
                   "step,theta0,theta1,...,loss, then row 0 (the start) and one row per step (the parameters\n"
                   "after that step and the loss there), numbers with 17 significant digits.\n"
                   "\n"
                   "The problem is a linear regression y ~ theta0 + theta1 x1 + ... (full batch unless\n"
                   "--batch-size) on --data or on the seed's data set ("
                   + seed_data_summary()
                   + "), the\n"
                     "default; or, with --outputs K, a multi-output regression Y ~ [1 X] W whose parameters are\n"
                     "the (inputs + 1) x K matrix W (theta0,theta1,... its entries row by row: row 0 the\n"
                     "intercepts), on --data (its last K columns the targets) or on a generated set ("
                   + std::to_string(m.size) + " points,\n--features D inputs, y = [1 x] W* + U(0, "
                   + shortest_number(m.noise) + "), W* ~ U(-" + shortest_number(m.scale) + ", "
                   + shortest_number(m.scale)
                   + ")); muon and shampoo step W as\n"
                     "a matrix, the others elementwise; or, with --objective, a 2-D test function (theta is the\n"
                     "point, loss its value).\n"
                     "\n"
                     "Flags are `--name value` or `--name=value`. Hyperparameter flags have PyTorch's names,\n"
                     "meanings and defaults (each optimizer's are listed below); a flag the optimizer does not\n"
                     "take is an error, and a switch that is on by default is turned off by --no-<name>\n"
                     "(--no-trust-ratio). Exit status: 0 done; 2 bad input (one line on standard error, nothing\n"
                     "on standard output); 3 diverged (a non-finite loss, or one that grew 1e6 times: the rows\n"
                     "before it are written and the reason goes to standard error); 1 other errors.\n"
                     "\n"
                     "--checkpoint FILE saves the optimizer's state and theta after the last step (atomically:\n"
                     "an existing FILE is replaced only by a complete checkpoint) with the problem, optimizer and\n"
                     "parameter count it was made on. --resume FILE starts from one, made with the same optimizer\n"
                     "and hyperparameter flags on the same problem, which it checks (and the same --batch-size and\n"
                     "--seed for mini-batches): --epochs N then takes N more epochs (N more\n"
                     "steps in full batch), the step numbers and the mini-batch order continue, and the rows\n"
                     "equal those of an uninterrupted run. A bad or mismatched FILE is bad input (status 2).";
        }

        constexpr std::string_view loss_names[] = {"mse", "rmse", "mae", "huber"};

        /// What fit's flags fill. Each member's value here is its flag's default, shown in --help.
        struct fit_flags
        {
            std::optional<std::string> data;        ///< --data FILE
            std::optional<std::string> objective;   ///< --objective NAME
            std::optional<std::string> optimizer;   ///< --optimizer NAME
            std::optional<std::string> checkpoint;  ///< --checkpoint FILE
            std::optional<std::string> resume;      ///< --resume FILE
            std::optional<std::size_t> outputs;     ///< --outputs K
            std::string loss = "mse";
            std::vector<double> init;                     ///< --init, when given
            xoptim::fit_options options;                  ///< --epochs, --batch-size, --seed
            xoptim::seed_data_options seed_data;          ///< --points, --noise
            xoptim::multi_output_data_options generated;  ///< --features
            xoptim::lbfgs_options lbfgs;                  ///< lbfgs's own flags
            hyperparameter_values hyperparameters;        ///< the hyperparameter flags given
        };

        /// Every flag of fit, bound to `f`.
        void add_fit_flags(command_line& line, fit_flags& f)
        {
            const auto at_least_one = [](const std::string& name) {
                return [name](std::size_t v, const std::string&) {
                    if (v == 0) { throw usage_error(name + ": must be at least 1, got 0"); }
                };
            };
            line.add_text("--data", f.data, "FILE", "CSV data set: a header, numeric columns, y last");
            line.add_switch("--seed-data", "the seed's data set (the default)");
            line.add_count("--seed", f.options.seed, "N", "seed of the generated data and of the mini-batch shuffle");
            add_seed_data_flags(line, f.seed_data);
            line.add_text("--objective", f.objective, "NAME", "a 2-D test function instead of the regression");
            line.add_value("--outputs", "K", "a multi-output regression: K targets, W is (inputs + 1) x K",
                           [&f](const std::string& text) {
                               const std::uint64_t k = parse_unsigned("--outputs", text);
                               if (k == 0) { throw usage_error("--outputs: must be at least 1, got 0"); }
                               f.outputs = static_cast<std::size_t>(k);
                           });
            line.add_count<std::size_t>("--features", f.generated.features, "D",
                                        "inputs of the generated multi-output data", at_least_one("--features"));
            line.add_value(
                "--loss", "NAME", "regression loss: " + join(loss_names) + " (huber: delta 1)",
                [&f](const std::string& text) {
                    if (std::find(std::begin(loss_names), std::end(loss_names), text) == std::end(loss_names))
                    {
                        throw usage_error("unknown loss '" + text + "' (choose from: " + join(loss_names) + ")");
                    }
                    f.loss = text;
                },
                f.loss);
            line.add_text("--optimizer", f.optimizer, "NAME", "the optimizer (required)");
            line.add_count("--epochs", f.options.epochs, "N", "passes over the data (full batch: one step each)");
            line.add_count<std::size_t>("--batch-size", f.options.batch_size, "B", "mini-batch size",
                                        at_least_one("--batch-size"), "the whole data set");
            line.add_numbers("--init", f.init, "A,B,...", "start: theta0,theta1,...", {},
                             "0s, or the function's start");
            line.add_text("--checkpoint", f.checkpoint, "FILE",
                          "save the optimizer state and theta here after the last step");
            line.add_text("--resume", f.resume, "FILE", "start from this checkpoint; step numbers continue");
            add_hyperparameter_flags(line, f.hyperparameters);
            add_lbfgs_flags(line, f.lbfgs);
        }

        void print_fit_help(std::ostream& out)
        {
            fit_flags defaults;
            command_line line(std::string(usage), description());
            add_fit_flags(line, defaults);
            line.print_help(out);
            out << "\noptimizers (the flags each takes, with their defaults):\n";
            for (const auto name : optimizer_names())
            {
                out << "  " << name << ": " << optimizer_summary(name) << "\n      " << optimizer_defaults(name)
                    << "\n";
            }
            out << "  lbfgs: L-BFGS (torch.optim.LBFGS); each row is one step(closure) of up to --max-iter\n"
                   "      iterations, with func_evals,n_iter columns; full batch only\n      "
                << lbfgs_defaults() << "\n";
            out << "\nobjectives (--objective): " << join(xoptim::test_function_names) << "\n"
                << "\nexamples:\n"
                   "  xoptim-viz fit --optimizer sgd --lr 0.1 --loss mse --init -10,-20\n"
                   "  xoptim-viz fit --seed-data --seed 7 --optimizer adam --lr=0.1 --loss rmse\n"
                   "  xoptim-viz fit --data points.csv --optimizer lamb --lr 0.1 --batch-size 10\n"
                   "  xoptim-viz fit --outputs 4 --optimizer muon --lr 0.02 --weight-decay 0 --epochs 200\n"
                   "  xoptim-viz fit --data targets.csv --outputs 2 --optimizer shampoo --lr 0.1\n"
                   "  xoptim-viz fit --objective rosenbrock --optimizer adam --lr 0.01 --epochs 2000\n"
                   "  xoptim-viz fit --objective rosenbrock --optimizer lbfgs --line-search strong_wolfe --epochs 5\n";
        }

        /// Writes each record as a CSV row as soon as it exists.
        class csv_rows
        {
        public:
            csv_rows(std::ostream& out, std::size_t parameters) : m_out(&out), m_parameters(parameters) {}

            /// The header, once the run has passed every check (nothing is written on bad input).
            void on_begin(const xoptim::fit_plan&)
            {
                std::string header = "step";
                for (std::size_t i = 0; i < m_parameters; ++i) { header += ",theta" + std::to_string(i); }
                header += ",loss\n";
                *m_out << header;
            }

            void on_step(const xoptim::fit_record& r)
            {
                std::string line = std::to_string(r.step);
                for (std::size_t i = 0; i < r.theta.size(); ++i)
                {
                    line += ',';
                    line += format_number(r.theta(i));
                }
                line += ',';
                line += format_number(r.loss);
                line += '\n';
                m_out->write(line.data(), static_cast<std::streamsize>(line.size()));
            }

        private:
            std::ostream* m_out;
            std::size_t m_parameters;
        };

        struct run_settings
        {
            any_optimizer optimizer;
            vector theta;
            xoptim::fit_options options;
            std::optional<std::string> checkpoint;  ///< --checkpoint FILE
            std::optional<std::string> resume;      ///< --resume FILE
            bool writes_files = true;               ///< false on MPI ranks other than 0
            settings_list settings;                 ///< what every MPI rank must share
            start_gate* gate = nullptr;             ///< where the MPI ranks agree to start
            std::optional<lbfgs_run> lbfgs;         ///< --optimizer lbfgs, which fit() does not drive
            std::string optimizer_name;             ///< --optimizer
            xoptim::checkpoint_identity made_on;    ///< the problem, recorded by --checkpoint, checked by --resume
        };

        /// What a checkpoint of this run records it was made on: the problem, the optimizer and the
        /// parameter count as its tag; its one saved tensor is named theta.
        xoptim::checkpoint_identity fit_identity(const std::string& problem, const std::string& optimizer,
                                                 std::size_t count)
        {
            xoptim::checkpoint_identity id;
            id.tag = "xoptim-viz fit: " + problem + "; optimizer " + optimizer + "; " + std::to_string(count)
                     + " parameters";
            id.names = {"theta"};
            return id;
        }

        /// The flags that decide the run, for the ranks to compare: all but the paths, which may
        /// differ between hosts (the data and the resumed state are compared by content instead).
        settings_list run_flags(const command_line& line)
        {
            settings_list out;
            for (auto& [name, text] : line.given())
            {
                if (name != "--data" && name != "--checkpoint" && name != "--resume")
                {
                    out.emplace_back(std::move(name), std::move(text));
                }
            }
            return out;
        }

        template <class Problem>
        int run(const Problem& problem, run_settings& s, std::ostream& out, std::ostream& err)
        {
            if (s.lbfgs)
            {
                // Under mpirun every rank runs the same L-BFGS on the whole data (rank 0 writes).
                s.lbfgs->made_on = s.made_on;
                s.gate->start(s.settings);
                return run_lbfgs(problem, *s.lbfgs, s.theta, out, err);
            }
            if (s.resume)
            {
                try
                {
                    s.optimizer.resume(*s.resume, s.theta, s.made_on);
                }
                catch (const xoptim::checkpoint_error& e)
                {
                    throw usage_error("--resume " + *s.resume + ": " + e.what());
                }
                s.options.first_step = s.optimizer.step_count();
                s.settings.emplace_back("the state resumed from",
                                        "step " + std::to_string(s.options.first_step) + ", theta "
                                            + digest(s.theta.data(), s.theta.size() * sizeof(double)));
            }
            // Under mpirun: every rank has its settings (or has stopped with its error): agree.
            s.gate->start(s.settings);
            xoptim::fit_result result;
            try
            {
                // Under mpirun (xoptim-viz-mpi) a one-output regression's rows are split across the
                // ranks; other problems run whole on every rank.
                result = with_distributed(problem, [&](const auto& p) {
                    return xoptim::fit(p, s.optimizer, s.theta, s.options, csv_rows(out, s.theta.size()),
                                       xoptim::stop_on_divergence{}, xoptim::progress_bar(stderr, 1000));
                });
            }
            catch (const std::invalid_argument& e)
            {
                // fit checks its input before the first step and before anything is written.
                throw usage_error(e.what());
            }
            out.flush();
            if (result.reason == xoptim::stop_reason::diverged)
            {
                err << "xoptim-viz fit: diverged at " << result.message << "\n";
                return exit_diverged;
            }
            if (s.checkpoint && s.writes_files)
            {
                try
                {
                    s.optimizer.save(*s.checkpoint, s.theta, s.made_on);
                }
                catch (const xoptim::checkpoint_error& e)
                {
                    err << "xoptim-viz fit: --checkpoint " << *s.checkpoint << ": " << e.what() << "\n";
                    return exit_failure;
                }
            }
            return exit_ok;
        }

        /// The start: --init when given (with exactly `count` values), else `fallback`.
        vector read_init(const command_line& line, const fit_flags& f, std::size_t count, const vector& fallback)
        {
            if (!line.has("--init")) { return fallback; }
            const auto& values = f.init;
            if (values.size() != count)
            {
                throw usage_error("--init: " + std::to_string(values.size()) + " values for " + std::to_string(count)
                                  + " parameters (theta0.." + "theta" + std::to_string(count - 1) + ")");
            }
            vector theta = xt::zeros<double>({count});
            for (std::size_t i = 0; i < count; ++i) { theta(i) = values[i]; }
            return theta;
        }

        /// "muon needs a matrix parameter (...)": what a matrix optimizer says of a vector problem.
        std::string needs_matrix(const std::string& name)
        {
            return name + " needs a matrix parameter (it steps 2-D parameters: " + name
                   + (name == "muon" ? " orthogonalises the update of W" : " preconditions W from both sides")
                   + ") and this problem's parameters are one vector; add --outputs K for the multi-output "
                     "regression, whose parameters are a matrix W";
        }

        int fit_objective(const command_line& line, const fit_flags& f, run_settings& s, std::ostream& out,
                          std::ostream& err)
        {
            const std::string name = *f.objective;
            for (const auto other : {"--data", "--seed-data", "--seed", "--points", "--noise", "--loss", "--batch-size",
                                     "--outputs", "--features"})
            {
                if (line.has(other)) { throw usage_error(std::string(other) + " does not apply with --objective"); }
            }
            if (s.optimizer.is_matrix())
            {
                throw usage_error(needs_matrix(s.optimizer_name) + "; a test function's point is one vector of 2");
            }
            const auto function = xoptim::make_test_function(name);
            if (!function)
            {
                throw usage_error("unknown objective '" + name + "' (choose from: " + join(xoptim::test_function_names)
                                  + ")");
            }
            return std::visit(
                [&](const auto& fn) {
                    const auto start = fn.start();
                    s.theta = read_init(line, f, 2, vector{start[0], start[1]});
                    s.made_on = fit_identity("objective " + name, s.optimizer_name, s.theta.size());
                    return run(fn, s, out, err);
                },
                *function);
        }

        xoptim::dataset read_data(const std::string& file)
        {
            try
            {
                return xoptim::load_csv(file);
            }
            catch (const xoptim::csv_error& e)
            {
                throw usage_error(e.what());
            }
        }

        /// Calls fit_with(loss functor) for the loss named `loss`.
        template <class F>
        int with_loss(const std::string& loss, F&& fit_with)
        {
            if (loss == "mse") { return fit_with(xoptim::mse{}); }
            if (loss == "rmse") { return fit_with(xoptim::rmse{}); }
            if (loss == "mae") { return fit_with(xoptim::mae{}); }
            return fit_with(xoptim::huber{});
        }

        /// --outputs K: the multi-output regression, on --data or on generated data.
        int fit_multi_output(const command_line& line, const fit_flags& f, run_settings& s, std::ostream& out,
                             std::ostream& err)
        {
            const std::size_t k = *f.outputs;
            if (line.has("--seed-data"))
            {
                throw usage_error("--seed-data is the seed's one-output line; with --outputs the data is --data "
                                  "FILE or the generated multi-output set (--features D)");
            }
            for (const auto other : {"--points", "--noise"})
            {
                if (line.has(other))
                {
                    throw usage_error(std::string(other)
                                      + " applies to the seed's one-output data set, not with --outputs");
                }
            }
            const std::string& loss = f.loss;
            xoptim::multi_output_dataset data;
            std::string source;
            if (const auto& file = f.data)
            {
                if (line.has("--features"))
                {
                    throw usage_error("--features applies to the generated data only (--data has its own columns)");
                }
                const xoptim::dataset table = read_data(*file);
                try
                {
                    data = xoptim::split_outputs(table, k);
                }
                catch (const std::invalid_argument& e)
                {
                    throw usage_error("--outputs " + std::to_string(k) + ": " + *file + " has "
                                      + std::to_string(table.features() + 1)
                                      + " columns; the last K are the targets and at least one input must be left");
                }
                source = "--data";
            }
            else
            {
                xoptim::multi_output_data_options o = f.generated;
                o.outputs = k;
                if (o.features > 4096 || k > 4096)
                {
                    throw usage_error("--features and --outputs: at most 4096 each for the generated data, got "
                                      + std::to_string(o.features) + " and " + std::to_string(k));
                }
                data = xoptim::multi_output_data(s.options.seed, o);
                source = "the generated data";
            }
            const std::string inputs = digest(data.x.data(), data.x.size() * sizeof(double));
            const std::string targets = digest(data.y.data(), data.y.size() * sizeof(double));
            s.settings.emplace_back("the data set", std::to_string(data.size()) + " rows of "
                                                        + std::to_string(data.features()) + " inputs and "
                                                        + std::to_string(k) + " targets, digests " + inputs + " "
                                                        + targets);
            const std::size_t rows = data.features() + 1;
            const std::size_t dim = rows * k;
            s.theta = read_init(line, f, dim, xt::zeros<double>({dim}));
            s.made_on = fit_identity("multi-output linear regression on " + std::to_string(data.size()) + " rows of "
                                         + std::to_string(data.features()) + " inputs and " + std::to_string(k)
                                         + " outputs, digests " + inputs + " " + targets + "; loss " + loss,
                                     s.optimizer_name, dim);
            s.optimizer.set_matrix_shape(rows, k);
            return with_loss(loss, [&](auto l) {
                std::optional<xoptim::multi_output_regression<decltype(l)>> problem;
                try
                {
                    problem.emplace(std::move(data), l);
                }
                catch (const std::invalid_argument& e)
                {
                    throw usage_error(source + ": " + e.what());
                }
                return run(*problem, s, out, err);
            });
        }

        int fit_regression(const command_line& line, const fit_flags& f, run_settings& s, std::ostream& out,
                           std::ostream& err)
        {
            if (line.has("--data") && line.has("--seed-data"))
            {
                throw usage_error("--data and --seed-data exclude each other");
            }
            if (f.outputs) { return fit_multi_output(line, f, s, out, err); }
            if (line.has("--features"))
            {
                throw usage_error("--features applies with --outputs (the generated multi-output data)");
            }
            if (s.optimizer.is_matrix()) { throw usage_error(needs_matrix(s.optimizer_name)); }
            const std::string& loss = f.loss;
            xoptim::dataset data;
            if (const auto& file = f.data)
            {
                for (const auto other : {"--points", "--noise"})
                {
                    if (line.has(other))
                    {
                        throw usage_error(std::string(other) + " applies to the seed's data set, not with --data");
                    }
                }
                data = read_data(*file);
            }
            else { data = xoptim::seed_data(s.options.seed, f.seed_data); }
            // What the ranks compare: one host's file may differ from another's of the same name.
            const std::string inputs = digest(data.x.data(), data.x.size() * sizeof(double));
            const std::string targets = digest(data.y.data(), data.y.size() * sizeof(double));
            s.settings.emplace_back("the data set", std::to_string(data.size()) + " rows of "
                                                        + std::to_string(data.features() + 1) + " columns, digests "
                                                        + inputs + " " + targets);
            const std::size_t dim = data.features() + 1;
            s.theta = read_init(line, f, dim, xt::zeros<double>({dim}));
            s.made_on =
                fit_identity("linear regression on " + std::to_string(data.size()) + " rows of " + std::to_string(dim)
                                 + " columns, digests " + inputs + " " + targets + "; loss " + loss,
                             s.optimizer_name, dim);
            const auto fit_with = [&](auto l) {
                std::optional<xoptim::linear_regression<decltype(l)>> problem;
                try
                {
                    problem.emplace(std::move(data), l);
                }
                catch (const std::invalid_argument& e)
                {
                    throw usage_error(std::string("--data: ") + e.what());
                }
                return run(*problem, s, out, err);
            };
            return with_loss(loss, fit_with);
        }

    }  // namespace

    int fit_command(std::span<const std::string> args, std::ostream& all_out, std::ostream& all_err)
    {
        // Under mpirun every rank runs; only rank 0 writes.
        std::ostream& out = rank0_stream(all_out);
        std::ostream& err = rank0_stream(all_err);
        // Every rank passes here once: started (the settings agree) or stopped (one failed).
        start_gate gate;
        try
        {
            for (const auto& a : args)
            {
                if (a == "--help")
                {
                    gate.start({{"--help", ""}});
                    print_fit_help(out);
                    return exit_ok;
                }
            }
            fit_flags f;
            command_line line(std::string(usage), description());
            line.declare_only_named_in(args);
            add_fit_flags(line, f);
            line.parse(args);

            if (!f.optimizer)
            {
                throw usage_error("--optimizer is required (choose from: " + join(optimizer_names()) + ", lbfgs" + ")");
            }
            run_settings s;
            s.gate = &gate;
            s.optimizer_name = *f.optimizer;
            s.settings = run_flags(line);
            if (s.optimizer_name == "lbfgs")
            {
                if (line.has("--batch-size"))
                {
                    throw usage_error("--batch-size does not apply to lbfgs (each step evaluates the whole data set)");
                }
                s.lbfgs.emplace(
                    lbfgs_run{make_lbfgs(line, f.lbfgs, f.hyperparameters), 100, std::nullopt, std::nullopt, true});
            }
            else
            {
                reject_lbfgs_flags(s.optimizer_name, line);
                s.optimizer = make_optimizer(s.optimizer_name, f.hyperparameters);
            }
            s.options = f.options;
            s.options.keep_history = false;
            s.checkpoint = f.checkpoint;
            s.resume = f.resume;
            s.writes_files = &out == &all_out;
            if (s.lbfgs)
            {
                s.lbfgs->steps = s.options.epochs;
                s.lbfgs->checkpoint = s.checkpoint;
                s.lbfgs->resume = s.resume;
                s.lbfgs->writes_files = s.writes_files;
            }
            if (s.resume)
            {
                if (line.has("--init"))
                {
                    throw usage_error("--init does not apply with --resume (the checkpoint holds theta)");
                }
            }

            if (f.objective) { return fit_objective(line, f, s, out, err); }
            return fit_regression(line, f, s, out, err);
        }
        catch (const usage_error& e)
        {
            // Before the ranks agreed to start, this rank may be the only one to fail: it tells
            // the others, and says why in one line (the lowest failing rank does).
            if (distributed() && !gate.passed()) { return gate.stop(e.what()); }
            err << "xoptim-viz fit: " << e.what() << "\n";
            return exit_usage;
        }
        catch (const agreed_stop& stop)
        {
            return stop.status;
        }
    }

}  // namespace xoptim_viz
