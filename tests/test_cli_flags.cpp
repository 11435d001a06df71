// The flags of every xoptim-viz subcommand, parsed by CLI11 (tools/xoptim-viz/command_line.hpp),
// run as a program: what CLI11 would accept by default and xoptim-viz refuses (unknown flags,
// a flag given twice, a missing value, a value given to a switch, positional arguments), strict
// numbers, both `--name value` and `--name=value`, and a --help whose defaults are the code's.

#include <doctest/doctest.h>

#ifdef XOPTIM_TEST_HAS_VIZ

#include <xoptim/any_optimizer.hpp>
#include <xoptim/fit.hpp>
#include <xoptim/lbfgs.hpp>
#include <xoptim/problems/multi_output_regression.hpp>
#include <xoptim/problems/seed_data.hpp>

#include "../tools/xoptim-viz/report/settings.hpp"
#include "cli_support.hpp"

#include "paths.hpp"
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace
{
    namespace fs = std::filesystem;

    const fs::path output_dir = fs::path(xoptim_test::output_dir()) / "cli_flags";

    xoptim_test::cli_run run(const std::string& args) { return xoptim_test::run_viz(output_dir, args); }

    std::size_t line_count(const std::string& text)
    {
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    }

    /// `xoptim-viz <command> <args>` is bad input: status 2, nothing on standard output, one line
    /// on standard error that starts "xoptim-viz <command>: " and holds `message`.
    void check_refused(const std::string& command, const std::string& args, const std::string& message)
    {
        CAPTURE(command);
        CAPTURE(args);
        const auto r = run(command + " " + args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(line_count(r.err) == 1);
        CHECK(r.err.rfind("xoptim-viz " + command + ": ", 0) == 0);
        CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
    }

    /// The line of flag `name` in a help text ("  --epochs N   ... (default 100)").
    std::string help_line(const std::string& help, const std::string& name)
    {
        const auto at = help.find("\n  " + name + " ");
        if (at == std::string::npos) { return {}; }
        return help.substr(at + 1, help.find('\n', at + 1) - at - 1);
    }

    /// `help` lists `flag` with its value's name and the default `value`.
    void check_default(const std::string& help, const std::string& flag, const std::string& value_name,
                       const std::string& value)
    {
        CAPTURE(flag);
        const std::string line = help_line(help, flag);
        REQUIRE_FALSE(line.empty());
        CHECK(line.rfind("  " + flag + " " + value_name + " ", 0) == 0);
        CHECK_MESSAGE(line.find("(default " + value + ")") != std::string::npos, line);
    }

    std::string shortest(double v)
    {
        std::ostringstream s;
        s << v;
        return s.str();
    }

    /// A folder for report and explore that must stay unwritten.
    fs::path untouched(const std::string& name)
    {
        const fs::path dir = output_dir / name;
        fs::remove_all(dir);
        return dir;
    }
}  // namespace

TEST_CASE("cli flags: unknown flags, repeats, missing values, values to switches and positionals are refused")
{
    const fs::path report_dir = untouched("report");
    const fs::path explore_dir = untouched("explore");
    struct command
    {
        std::string name;
        std::string base;  // valid flags the cases add to
        std::string value_flag, value_name, value, switch_flag;
    };
    const command commands[] = {
        {"fit", "--optimizer sgd", "--epochs", "N", "3", "--seed-data"},
        {"report", "--out " + xoptim_test::quoted(report_dir), "--iterations", "N", "5", "--linear-scale"},
    };
    for (const auto& c : commands)
    {
        const std::string& v = c.value_flag;
        // Unknown flags, in both forms; a short or one-dash flag is not a flag.
        check_refused(c.name, c.base + " --bogus 1", "unknown flag '--bogus' (see --help)");
        check_refused(c.name, c.base + " --bogus=1", "unknown flag '--bogus' (see --help)");
        check_refused(c.name, c.base + " --help-me", "unknown flag '--help-me'");
        check_refused(c.name, c.base + " -h", "unexpected argument '-h' (see --help)");
        // A flag given twice, in either form, and a switch given twice.
        check_refused(c.name, c.base + " " + v + " " + c.value + " " + v + " " + c.value,
                      v + " is given more than once");
        check_refused(c.name, c.base + " " + v + "=" + c.value + " " + v + " " + c.value,
                      v + " is given more than once");
        check_refused(c.name, c.base + " " + c.switch_flag + " " + c.switch_flag,
                      c.switch_flag + " is given more than once");
        // A flag without its value (the last word).
        check_refused(c.name, c.base + " " + v, v + " needs a value (" + c.value_name + ")");
        // A value given to a switch: CLI11 would read true, false, 0 and 1 there.
        for (const char* value : {"1", "true", "false", "0", ""})
        {
            check_refused(c.name, c.base + " " + c.switch_flag + "=" + value, c.switch_flag + " takes no value");
        }
        // Positional arguments, "--" (CLI11's end of the flags) among them.
        check_refused(c.name, c.base + " extra", "unexpected argument 'extra' (see --help)");
        check_refused(c.name, c.base + " --", "unexpected argument '--' (see --help)");
        check_refused(c.name, c.base + " -- " + v + " " + c.value, "unexpected argument '--'");
        check_refused(c.name, c.base + " -", "unexpected argument '-'");
        check_refused(c.name, c.base + " -5", "unexpected argument '-5'");
        check_refused(c.name, c.base + " " + v + " " + c.value + " " + c.value,
                      "unexpected argument '" + c.value + "'");
        // Strict whole numbers: CLI11's own conversion would read 0x10 as 16 and 1e2 as 100.
        for (const char* bad : {"0x10", "1e2", "-3", "+3", "2.5", "' 3'", "3x", "''"})
        {
            check_refused(c.name, c.base + " " + v + " " + bad, v + ": '");
            check_refused(c.name, c.base + " " + v + " " + bad, "' is not a non-negative integer");
        }
        check_refused(c.name, c.base + " " + v + "=", v + ": '' is not a non-negative integer");
    }
    // Strict finite numbers (the repository's parse_double): CLI11 would read hex and inf.
    for (const char* bad : {"abc", "0x1p3", "inf", "nan", "1e999", "' 1'", "1,5"})
    {
        check_refused("fit", std::string("--optimizer sgd --lr ") + bad, "--lr: '");
        check_refused("fit", std::string("--optimizer sgd --lr ") + bad, "' is not a finite number");
        check_refused("report", "--out " + xoptim_test::quoted(report_dir) + " --eps " + bad, "--eps: '");
    }
    check_refused("fit", "--optimizer sgd --lr abc", "--lr: 'abc' is not a finite number");
    check_refused("fit", "--optimizer sgd --lr=", "--lr: '' is not a finite number");
    check_refused("report", "--out=", "--out: the directory name is empty");
    check_refused("report", "--out " + xoptim_test::quoted(report_dir) + " --lr 0.1,abc",
                  "--lr: 'abc' is not a finite number");
    // The same refusals for explore, whose one flag is --out DIR.
    check_refused("explore", "--out", "--out needs a value (DIR)");
    check_refused("explore", "--out=", "--out: an empty path");
    check_refused("explore", "--out " + xoptim_test::quoted(explore_dir) + " --out x", "--out is given more than once");
    check_refused("explore", "--out " + xoptim_test::quoted(explore_dir) + " extra", "unexpected argument 'extra'");
    check_refused("explore", "--out " + xoptim_test::quoted(explore_dir) + " --lr 1", "unknown flag '--lr'");
    CHECK_FALSE(fs::exists(report_dir));
    CHECK_FALSE(fs::exists(explore_dir));
}

TEST_CASE("cli flags: fit declares only the flags its command line names, and says the same")
{
    // fit declares only the flags named on its command line (command_line::declare_only_named_in);
    // messages that list a group's flags still list all of them, and a flag that is not on the
    // command line is neither given nor refused.
    check_refused("fit", "--optimizer lbfgs --momentum 0.9",
                  "--momentum does not apply to lbfgs (it takes --lr, --max-iter, --max-eval, --tolerance-grad, "
                  "--tolerance-change, --history-size, --line-search)");
    check_refused("fit", "--optimizer adam --max-iter 3", "--max-iter does not apply to adam (only lbfgs takes it)");
    check_refused("fit", "--optimizer adam --momentun 0.9", "unknown flag '--momentun'");
    check_refused("fit", "--optimizer adam --beta1=2 --beta1 0.5", "--beta1");
    const auto ok = run("fit --optimizer adam --epochs 2 --lr=0.05 --amsgrad");
    CHECK(ok.status == 0);
    CHECK(line_count(ok.out) == 4);  // the header and three rows
}

TEST_CASE("cli flags: --name=value is --name value, and a value may look like a flag")
{
    const auto spaced = run("fit --optimizer adam --lr 0.1 --epochs 4 --init -10,-20 --loss rmse --amsgrad");
    const auto joined = run("fit --optimizer=adam --lr=0.1 --epochs=4 --init=-10,-20 --loss=rmse --amsgrad");
    REQUIRE(spaced.status == 0);
    REQUIRE(joined.status == 0);
    CHECK(line_count(spaced.out) == 6);
    CHECK(joined.out == spaced.out);
    // The word after a flag is its value, whatever it looks like: a negative number, or a flag.
    check_refused("fit", "--optimizer sgd --lr -0.1", "lr must be finite and >= 0, got -0.1");
    check_refused("fit", "--optimizer sgd --lr --epochs", "--lr: '--epochs' is not a finite number");
    check_refused("fit", "--optimizer sgd --data --seed-data", "--seed-data: cannot open the file");
    // A value with an '=' in it keeps it.
    check_refused("fit", "--optimizer sgd --data=a=b.csv", "a=b.csv: cannot open the file");
    // report and explore take --out=DIR.
    const fs::path dir = untouched("joined");
    const auto report = run("report --out=" + xoptim_test::quoted(dir / "report")
                            + " --iterations=3 --grid=5 --frames=2 --optimizers=sgd --lr=0.1");
    CHECK_MESSAGE(report.status == 0, report.err);
    CHECK(fs::exists(dir / "report" / "summary.csv"));
}

TEST_CASE("cli flags: --help lists every flag with its value and help, and the defaults are the code's")
{
    // report: its defaults are report::settings's members.
    const xoptim_viz::report::settings s;
    const auto report = run("report --help");
    REQUIRE(report.status == 0);
    CHECK(report.err.empty());
    const auto report_default = [&](const std::string& flag, const std::string& value_name, const std::string& value) {
        check_default(report.out, flag, value_name, value);
    };
    report_default("--iterations", "N", std::to_string(s.iterations));
    CHECK(s.iterations == 100);
    report_default("--out", "DIR", s.out.string());
    report_default("--loss", "NAME", s.loss);
    report_default("--batch-size", "B", std::to_string(s.batch_size));
    report_default("--seed", "N", std::to_string(s.seed));
    report_default("--weight-decay", "X", shortest(s.weight_decay));
    report_default("--momentum", "X", shortest(s.momentum));
    report_default("--beta2", "X", shortest(s.beta2));
    report_default("--eps", "X", shortest(s.eps));
    report_default("--grid", "N", std::to_string(s.grid_points));
    report_default("--lr", "X,Y,...",
                   shortest(xoptim_viz::report::regression_lrs[0]) + ","
                       + shortest(xoptim_viz::report::regression_lrs[1]) + "; with --objective "
                       + shortest(xoptim_viz::report::objective_lrs[0]) + ","
                       + shortest(xoptim_viz::report::objective_lrs[1]));
    report_default("--init", "A,B",
                   shortest(xoptim_viz::report::regression_start[0]) + ","
                       + shortest(xoptim_viz::report::regression_start[1]) + "; with --objective its start");
    report_default("--frames", "N",
                   "iterations + 1, at most " + std::to_string(xoptim_viz::report::most_default_frames));
    for (const char* f : {"--optimizers", "--objective"}) { CHECK_FALSE(help_line(report.out, f).empty()); }
    for (const char* f : {"--linear-scale", "--log-scale", "--help"})
    {
        CAPTURE(f);
        CHECK(help_line(report.out, f).size() > std::string(f).size() + 4);  // a switch: no value, a help
    }
    // The description no longer restates the defaults the flags show.
    CHECK(report.out.find("100 full-batch iterations") == std::string::npos);
    CHECK(report.out.find("weight decay 0.1, momentum 0.9") == std::string::npos);

    // fit: the problem's defaults are the library's options structs'.
    const auto fit = run("fit --help");
    REQUIRE(fit.status == 0);
    const auto fit_default = [&](const std::string& flag, const std::string& value_name, const std::string& value) {
        check_default(fit.out, flag, value_name, value);
    };
    const xoptim::fit_options fo;
    const xoptim::seed_data_options so;
    const xoptim::multi_output_data_options mo;
    const xoptim::lbfgs_options lo;
    fit_default("--epochs", "N", std::to_string(fo.epochs));
    fit_default("--seed", "N", std::to_string(fo.seed));
    fit_default("--points", "N", std::to_string(so.size));
    fit_default("--noise", "X", shortest(so.noise));
    fit_default("--features", "D", std::to_string(mo.features));
    fit_default("--loss", "NAME", "mse");
    fit_default("--max-iter", "N", std::to_string(lo.max_iter));
    fit_default("--history-size", "N", std::to_string(lo.history_size));
    fit_default("--tolerance-grad", "X", shortest(lo.tolerance_grad));
    fit_default("--line-search", "NAME", "none");
    CHECK(fit.out.find("seed's data set (" + std::to_string(so.size) + " points, y = 3 + 5x + U(0, 1))")
          != std::string::npos);
    // Each optimizer's hyperparameter defaults are its declarations': lr's for adam, sgd, lamb.
    for (const char* name : {"adam", "sgd", "lamb", "rprop"})
    {
        CAPTURE(name);
        const auto options = xoptim::optimizer_options(name);
        const auto lr = std::find_if(options.begin(), options.end(), [](const auto& o) { return o.name == "lr"; });
        REQUIRE(lr != options.end());
        const auto at = fit.out.find(std::string("\n  ") + name + ": ");
        REQUIRE(at != std::string::npos);
        const auto defaults = fit.out.find("\n      ", at);
        const std::string line = fit.out.substr(defaults + 7, fit.out.find('\n', defaults + 1) - defaults - 7);
        CHECK_MESSAGE(line.rfind("--lr " + shortest(lr->default_value) + " ", 0) == 0, line);
    }
    // lbfgs's line, from xoptim::lbfgs_options.
    CHECK(fit.out.find("--lr " + shortest(lo.lr) + " --max-iter " + std::to_string(lo.max_iter) + " --max-eval "
                       + std::to_string(lo.resolved_max_eval()))
          != std::string::npos);
    // Every hyperparameter flag has a line with its value's name; a switch has none.
    CHECK(help_line(fit.out, "--lr").rfind("  --lr X ", 0) == 0);
    CHECK(help_line(fit.out, "--amsgrad").find(" X ") == std::string::npos);
    CHECK_FALSE(help_line(fit.out, "--no-trust-ratio").empty());

    // explore: its one flag and --help.
    const auto explore = run("explore --help");
    REQUIRE(explore.status == 0);
    CHECK(help_line(explore.out, "--out").rfind("  --out DIR ", 0) == 0);
    CHECK_FALSE(help_line(explore.out, "--help").empty());
}

#else

TEST_CASE("cli flags: xoptim-viz was not built" * doctest::skip()) {}

#endif
