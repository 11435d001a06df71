// xoptim-viz fit, run as a program: the reference trajectories, the flags, and bad input.

#include <doctest/doctest.h>

#ifdef XOPTIM_TEST_HAS_VIZ

#include <xoptim/fit.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>

#include "cli_support.hpp"
#include "reference_csv.hpp"

#include "paths.hpp"
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace
{

    namespace fs = std::filesystem;
    using vec = xt::xtensor<double, 1>;

    const fs::path data_dir = xoptim_test::data_dir();
    const fs::path output_dir = fs::path(xoptim_test::output_dir()) / "cli_fit";

    using xoptim_test::cli_run;
    using xoptim_test::quoted;
    using xoptim_test::read_file;

    /// Runs `xoptim-viz <args>` (args as shell words) and captures its outputs and exit status.
    cli_run run(const std::string& args) { return xoptim_test::run_viz(output_dir, args); }

    fs::path write_temp(const std::string& name, const std::string& text)
    {
        fs::create_directories(output_dir);
        const auto p = output_dir / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

    /// The CSV a run wrote: x(k, 0) = step, x(k, 1..) = theta, y(k) = loss.
    xoptim::dataset parse_output(const std::string& text)
    {
        std::istringstream in(text);
        return xoptim::parse_csv(in, "stdout");
    }

    std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

    std::size_t line_count(const std::string& text)
    {
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    }

    double relative_gap(double a, double b) { return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-300}); }

    /// Worst relative gap between two trajectories of the same shape (every column).
    double worst_gap(const xoptim::dataset& a, const xoptim::dataset& b)
    {
        REQUIRE(a.x.shape() == b.x.shape());
        double worst = 0.0;
        for (std::size_t k = 0; k < a.size(); ++k)
        {
            CHECK(a.x(k, 0) == b.x(k, 0));
            for (std::size_t j = 1; j < a.x.shape()[1]; ++j)
            {
                worst = std::max(worst, relative_gap(a.x(k, j), b.x(k, j)));
            }
            worst = std::max(worst, relative_gap(a.y(k), b.y(k)));
        }
        return worst;
    }

    void check_bad_input(const std::string& args, const std::string& expected_in_message)
    {
        CAPTURE(args);
        const auto r = run("fit " + args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(line_count(r.err) == 1);
        CHECK(r.err.rfind("xoptim-viz fit: ", 0) == 0);
        CHECK_MESSAGE(r.err.find(expected_in_message) != std::string::npos, r.err);
    }

}  // namespace

TEST_CASE("cli fit: reproduces every reference trajectory")
{
    // The cases of tests/data/index.json, as flags (PyTorch's names, the start (-10, -20)).
    struct reference_case
    {
        const char* name;
        const char* flags;
    };
    const reference_case cases[] = {
        {"sgd_mse", "--optimizer sgd --lr 0.1 --loss mse"},
        {"sgd_wd_mse", "--optimizer sgd --lr 0.1 --weight-decay 0.1 --loss mse"},
        {"momentum_mse", "--optimizer sgd --lr 0.05 --momentum 0.9 --loss mse"},
        {"adam_rmse", "--optimizer adam --lr 0.1 --beta1 0.9 --beta2 0.999 --eps 1e-08 --loss rmse"},
        {"adamw_mse", "--optimizer adamw --lr 0.1 --beta1 0.9 --beta2 0.999 --eps 1e-08 --weight-decay 0.1 --loss mse"},
        {"lamb_mse", "--optimizer lamb --lr 0.1 --beta1 0.9 --beta2 0.999 --eps 1e-06 --weight-decay 0.0 --loss mse"},
        {"sgd_mae", "--optimizer sgd --lr 0.1 --loss mae"},
    };
    const std::string index = read_file(data_dir / "index.json");
    for (const auto& c : cases)
    {
        CAPTURE(c.name);
        REQUIRE(index.find(std::string("\"") + c.name + "\"") != std::string::npos);
        const auto r = run("fit --data " + quoted(data_dir / "data.csv") + " --init -10,-20 --epochs 100 " + c.flags);
        REQUIRE(r.status == 0);
        CHECK(r.err.empty());
        CHECK(first_line(r.out) == "step,theta0,theta1,loss");
        const auto got = parse_output(r.out);
        const auto want = xoptim::load_csv(data_dir / (std::string(c.name) + ".csv"));
        REQUIRE(got.size() == 101);
        CHECK(got.x(0, 1) == -10.0);
        CHECK(got.x(0, 2) == -20.0);
        CHECK(worst_gap(got, want) < 1e-9);
    }
}

TEST_CASE("cli fit: NAdam, RAdam, Adamax, Adadelta, Rprop and ASGD follow PyTorch through their flags")
{
    // Seed cases of tests/data/<file>.csv (scripts/reference/<file>.py), as PyTorch's names.
    struct reference_case
    {
        const char* file;
        const char* name;
        const char* flags;
    };
    const reference_case cases[] = {
        {"nadam", "seed_mse_decoupled",
         "--optimizer nadam --lr 0.1 --weight-decay 0.1 --decoupled-weight-decay --momentum-decay 0.004 --loss mse"},
        {"radam", "seed_rmse_wd", "--optimizer radam --lr 0.1 --weight-decay 0.1 --loss rmse"},
        {"adamax", "seed_mse", "--optimizer adamax --lr 0.1 --loss mse"},
        {"adadelta", "seed_rmse_wd", "--optimizer adadelta --lr 5 --rho 0.95 --weight-decay 0.1 --loss rmse"},
        {"rprop", "seed_mae",
         "--optimizer rprop --lr 0.5 --eta-minus 0.3 --eta-plus 1.5 --step-size-min 1e-3 --step-size-max 2 --loss mae"},
        {"asgd", "seed_rmse_wd",
         "--optimizer asgd --lr 0.5 --lambd 0.01 --alpha 0.5 --t0 50 --weight-decay 0.1 --loss rmse"},
    };
    for (const auto& c : cases)
    {
        CAPTURE(c.name);
        CAPTURE(c.flags);
        xoptim_test::csv_table want;
        xoptim_test::read_csv_table(std::string(c.file) + ".csv", want);
        std::vector<std::vector<double>> theta;
        for (const auto& row : want.rows)
        {
            if (row["case"] == c.name) { theta.push_back(row.numbers("theta")); }
        }
        REQUIRE(theta.size() == 101);
        const auto r = run("fit --data " + quoted(data_dir / "data.csv") + " --init -10,-20 --epochs 100 " + c.flags);
        REQUIRE(r.status == 0);
        const auto got = parse_output(r.out);
        REQUIRE(got.size() == 101);
        double worst = 0.0;
        for (std::size_t k = 0; k < 101; ++k)
        {
            for (std::size_t i = 0; i < 2; ++i)
            {
                worst = std::max(worst, std::fabs(got.x(k, i + 1) - theta[k][i])
                                            / std::max({std::fabs(theta[k][i]), std::fabs(got.x(k, i + 1)), 1e-12}));
            }
        }
        CHECK(worst < 1e-9);
    }
}

TEST_CASE("cli fit: schedule-free rows are the evaluation point x, as the reference's")
{
    // tests/data/schedule_free.csv (scripts/reference/schedule_free.py): its x and the loss there.
    struct reference_case
    {
        const char* name;
        const char* flags;
    };
    const reference_case cases[] = {
        {"sgd_seed_warmup", "--optimizer sgd_schedule_free --lr 0.1 --momentum 0.8 --weight-decay 0.01 "
                            "--warmup-steps 10 --r 0.5"},
        {"adamw_seed_warmup", "--optimizer adamw_schedule_free --lr 1 --beta1 0.85 --beta2 0.99 --weight-decay 0.05 "
                              "--warmup-steps 20 --r 0.5"},
    };
    for (const auto& c : cases)
    {
        CAPTURE(std::string(c.name));
        xoptim_test::csv_table want;
        xoptim_test::read_csv_table("schedule_free.csv", want);
        std::vector<std::vector<double>> x;
        std::vector<double> loss;
        for (const auto& row : want.rows)
        {
            if (row["case"] == c.name && row["dtype"] == "double")
            {
                x.push_back(row.numbers("x"));
                loss.push_back(row.number("loss"));
            }
        }
        REQUIRE(x.size() == 101);
        const std::string flags = "fit --data " + quoted(data_dir / "data.csv") + " " + c.flags;
        const auto r = run(flags + " --init -10,-20 --epochs 100");
        REQUIRE(r.status == 0);
        const auto got = parse_output(r.out);
        REQUIRE(got.size() == 101);
        double worst = 0.0;
        for (std::size_t k = 0; k < 101; ++k)
        {
            for (std::size_t i = 0; i < 2; ++i)
            {
                worst = std::max(worst, std::fabs(got.x(k, i + 1) - x[k][i])
                                            / std::max({std::fabs(x[k][i]), std::fabs(got.x(k, i + 1)), 1e-12}));
            }
            worst = std::max(worst, std::fabs(got.y(k) - loss[k]) / std::max(std::fabs(loss[k]), 1e-12));
        }
        CHECK(worst < 1e-9);
        // A run checkpointed after 40 steps (train mode: theta is y) and resumed for 60 prints the
        // same rows, bit for bit.
        const auto file = std::filesystem::path(xoptim_test::output_dir()) / (std::string(c.name) + "_cli.ckpt");
        const auto first = run(flags + " --init -10,-20 --epochs 40 --checkpoint " + quoted(file));
        REQUIRE(first.status == 0);
        const auto second = run(flags + " --epochs 60 --resume " + quoted(file));
        REQUIRE(second.status == 0);
        const auto a = parse_output(first.out), b = parse_output(second.out);
        REQUIRE(b.size() == 61);
        for (std::size_t k = 1; k <= 60; ++k)
        {
            for (std::size_t j = 0; j < 3; ++j) { CHECK(b.x(k, j) == got.x(40 + k, j)); }
            CHECK(b.y(k) == got.y(40 + k));
        }
        CHECK(a.x(40, 1) == got.x(40, 1));
    }
}

TEST_CASE("cli fit: Adafactor follows torch 2.5 through its flags, and they are in the help")
{
    // Case seed_mse of tests/data/adafactor.csv (scripts/reference/adafactor.py).
    xoptim_test::csv_table want;
    xoptim_test::read_csv_table("adafactor.csv", want);
    std::vector<std::vector<double>> theta;
    for (const auto& row : want.rows)
    {
        if (row["case"] == "seed_mse") { theta.push_back(row.numbers("param")); }
    }
    REQUIRE(theta.size() == 101);
    const auto r = run("fit --data " + quoted(data_dir / "data.csv")
                       + " --init -10,-20 --epochs 100 --loss mse --optimizer adafactor --lr 0.05 --beta2-decay -0.8"
                         " --eps2 0.001 --d 1");
    REQUIRE(r.status == 0);
    const auto got = parse_output(r.out);
    REQUIRE(got.size() == 101);
    double worst = 0.0;
    for (std::size_t k = 0; k < 101; ++k)
    {
        for (std::size_t i = 0; i < 2; ++i)
        {
            worst = std::max(worst, std::fabs(got.x(k, i + 1) - theta[k][i])
                                        / std::max({std::fabs(theta[k][i]), std::fabs(got.x(k, i + 1)), 1e-12}));
        }
    }
    CHECK(worst < 1e-9);
    // Another clipping threshold changes the run; a bad one is refused by name.
    const auto clipped =
        run("fit --data " + quoted(data_dir / "data.csv")
            + " --init -10,-20 --epochs 3 --loss mse --optimizer adafactor --lr 0.05 --d 1.5 --eps1 1e-3");
    CHECK(clipped.status == 0);
    check_bad_input("--optimizer adafactor --d 0.5", "d must be finite and >= 1, got 0.5");
    const auto help = run("fit --help");
    for (const char* f : {"--beta2-decay", "--eps1", "--eps2", "--d", "--maximize"})
    {
        CAPTURE(f);
        CHECK(help.out.find(std::string("\n  ") + f + " ") != std::string::npos);
    }
    CHECK(help.out.find("\n  adafactor: ") != std::string::npos);
}

TEST_CASE("cli fit: numbers are printed with 17 significant digits")
{
    const auto r =
        run("fit --data " + quoted(data_dir / "data.csv") + " --init -10,-20 --epochs 1 --optimizer sgd --lr 0.1");
    REQUIRE(r.status == 0);
    // Row 1 of the same run through the library, printed with %.17g.
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::load_csv(data_dir / "data.csv"));
    vec theta = {-10.0, -20.0};
    const auto result = xoptim::fit(problem, xoptim::sgd({.lr = 0.1}), theta, {.epochs = 1});
    char row[128];
    std::snprintf(row, sizeof row, "1,%.17g,%.17g,%.17g\n", result.last().theta(0), result.last().theta(1),
                  result.last().loss);
    CHECK(r.out.substr(r.out.find("\n1,") + 1) == row);
}

TEST_CASE("cli fit: each optimizer's flags mean what the library's options mean")
{
    const auto data = xoptim::seed_data(0);
    const xoptim::linear_regression<xoptim::rmse> problem(data);
    const auto compare = [&](const std::string& flags, auto opt) {
        CAPTURE(flags);
        const auto r = run("fit --loss rmse --init -20,-10 --epochs 30 " + flags);
        REQUIRE(r.status == 0);
        vec theta = {-20.0, -10.0};
        const auto want = xoptim::fit(problem, opt, theta, {.epochs = 30});
        const auto got = parse_output(r.out);
        REQUIRE(got.size() == want.history.size());
        double worst = 0.0;
        for (std::size_t k = 0; k < got.size(); ++k)
        {
            worst = std::max({worst, relative_gap(got.x(k, 1), want.history[k].theta(0)),
                              relative_gap(got.x(k, 2), want.history[k].theta(1)),
                              relative_gap(got.y(k), want.history[k].loss)});
        }
        CHECK(worst < 1e-12);
        // And the flags make a difference: the defaults give another path.
        CHECK(got.x(30, 1) != doctest::Approx(-20.0).epsilon(1e-3));
    };
    compare("--optimizer sgd --lr 0.1 --momentum 0.8 --dampening 0.3 --weight-decay 0.05",
            xoptim::sgd({.lr = 0.1, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.05}));
    compare("--optimizer sgd --lr 0.1 --momentum 0.7 --nesterov",
            xoptim::sgd({.lr = 0.1, .momentum = 0.7, .nesterov = true}));
    compare("--optimizer momentum --lr 0.2 --momentum 0.5 --dampening 0.1",
            xoptim::momentum({.lr = 0.2, .momentum = 0.5, .dampening = 0.1}));
    compare("--optimizer nesterov --lr 0.2 --momentum 0.6 --weight-decay 0.01",
            xoptim::nesterov({.lr = 0.2, .momentum = 0.6, .weight_decay = 0.01}));
    compare("--optimizer adam --lr 0.3 --beta1 0.8 --beta2 0.99 --eps 1e-6 --weight-decay 0.1",
            xoptim::adam({.lr = 0.3, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1}));
    compare("--optimizer adam --amsgrad --lr 0.3 --beta2 0.9", xoptim::amsgrad({.lr = 0.3, .beta2 = 0.9}));
    compare("--optimizer amsgrad --lr 0.3 --beta1 0.5", xoptim::amsgrad({.lr = 0.3, .beta1 = 0.5}));
    compare("--optimizer adamw --lr 0.3 --weight-decay 0.2 --amsgrad",
            xoptim::adamw({.lr = 0.3, .weight_decay = 0.2, .amsgrad = true}));
    compare("--optimizer lamb --lr 0.3 --weight-decay 0.01 --trust-clip 10 --eps 1e-8",
            xoptim::lamb({.lr = 0.3, .eps = 1e-8, .weight_decay = 0.01, .trust_clip = 10.0}));
    compare("--optimizer lars --lr 50 --momentum 0.5 --weight-decay 0.001",
            xoptim::lars({.lr = 50.0, .momentum = 0.5, .weight_decay = 0.001}));
    // A switch on by default is turned off by --no-<name>.
    compare("--optimizer lamb --lr 0.3 --no-trust-ratio", xoptim::lamb({.lr = 0.3, .trust_ratio = false}));
    compare("--optimizer lars --lr 0.2 --no-trust-ratio", xoptim::lars({.lr = 0.2, .trust_ratio = false}));
    compare("--optimizer rmsprop --lr 0.1 --alpha 0.9 --eps 1e-6 --momentum 0.5 --weight-decay 0.01",
            xoptim::rmsprop({.lr = 0.1, .alpha = 0.9, .eps = 1e-6, .weight_decay = 0.01, .momentum = 0.5}));
    compare("--optimizer adagrad --lr 0.5 --eps 1e-6 --weight-decay 0.01",
            xoptim::adagrad({.lr = 0.5, .weight_decay = 0.01, .eps = 1e-6}));
    compare("--optimizer lion --lr 0.05 --beta1 0.8 --beta2 0.95 --weight-decay 0.1",
            xoptim::lion({.lr = 0.05, .beta1 = 0.8, .beta2 = 0.95, .weight_decay = 0.1}));
}

TEST_CASE("cli fit: seed data, mini-batches, more inputs, objectives")
{
    // The default problem is the seed's data set from seed 0; --seed changes it.
    const auto a = run("fit --optimizer sgd --lr 0.1 --epochs 5");
    const auto b = run("fit --seed-data --seed 0 --optimizer sgd --lr 0.1 --epochs 5");
    const auto c = run("fit --seed-data --seed 1 --optimizer sgd --lr 0.1 --epochs 5");
    REQUIRE(a.status == 0);
    CHECK(a.out == b.out);
    CHECK(a.out != c.out);
    const auto row0 = parse_output(a.out);
    CHECK(row0.x(0, 1) == 0.0);  // default start: zeros
    CHECK(row0.y(0)
          == doctest::Approx(xoptim::linear_regression<xoptim::mse>(xoptim::seed_data(0)).value(vec{0.0, 0.0}))
                 .epsilon(1e-15));

    // Mini-batch: 100 samples in batches of 30 are 4 steps per epoch; the shuffle is seeded.
    const auto mb = run("fit --optimizer sgd --lr 0.1 --epochs 3 --batch-size 30 --seed 4");
    REQUIRE(mb.status == 0);
    CHECK(line_count(mb.out) == 1 + 1 + 12);
    const auto mb2 = run("fit --optimizer sgd --lr 0.1 --epochs 3 --batch-size 30 --seed 4");
    CHECK(mb.out == mb2.out);

    // Two inputs: three parameters, three theta columns.
    const auto file = write_temp("plane.csv", "a,b,y\n0,0,1\n1,0,3\n0,1,0\n1,1,2.5\n2,1,4\n");
    const auto plane = run("fit --data " + quoted(file) + " --optimizer sgd --lr 0.1 --epochs 2 --init 1,2,-1");
    REQUIRE(plane.status == 0);
    CHECK(first_line(plane.out) == "step,theta0,theta1,theta2,loss");
    CHECK(plane.out.find("\n0,1,2,-1,") != std::string::npos);

    // A test function: theta is the point, loss the value; the default start is the function's.
    const auto rosen = run("fit --objective rosenbrock --optimizer adam --lr 0.01 --epochs 4");
    REQUIRE(rosen.status == 0);
    const auto rows = parse_output(rosen.out);
    REQUIRE(rows.size() == 5);
    CHECK(rows.x(0, 1) == -1.2);
    CHECK(rows.x(0, 2) == 1.0);
    CHECK(rows.y(0) == doctest::Approx(2.2 * 2.2 + 100 * 0.44 * 0.44).epsilon(1e-14));
    CHECK(rows.x(1, 1) == doctest::Approx(-1.19).epsilon(1e-12));  // Adam's first step is lr*sign(g)

    const auto zero = run("fit --objective himmelblau --optimizer sgd --init 1,1 --epochs 0");
    REQUIRE(zero.status == 0);
    CHECK(zero.out == "step,theta0,theta1,loss\n0,1,1,106\n");
}

TEST_CASE("cli fit: divergence stops with status 3, only finite rows")
{
    const auto r = run("fit --optimizer sgd --lr 5 --init -10,-20 --epochs 100");
    CHECK(r.status == 3);
    CHECK(line_count(r.err) == 1);
    CHECK(r.err.find("diverged") != std::string::npos);
    const auto rows = parse_output(r.out);
    CHECK(rows.size() < 101);
    for (std::size_t k = 0; k < rows.size(); ++k) { CHECK(std::isfinite(rows.y(k))); }
}

TEST_CASE("cli fit: help")
{
    const auto r = run("fit --help");
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    for (const char* f : {"--data",
                          "--seed-data",
                          "--seed",
                          "--objective",
                          "--loss",
                          "--optimizer",
                          "--lr",
                          "--epochs",
                          "--batch-size",
                          "--init",
                          "--momentum",
                          "--dampening",
                          "--nesterov",
                          "--weight-decay",
                          "--beta1",
                          "--beta2",
                          "--eps",
                          "--amsgrad",
                          "--alpha",
                          "--trust-clip",
                          "--no-trust-ratio",
                          "--trust-coefficient",
                          "--centered",
                          "--initial-accumulator-value",
                          "--lr-decay",
                          "--momentum-decay",
                          "--decoupled-weight-decay",
                          "--rho",
                          "--lambd",
                          "--t0",
                          "--eta-minus",
                          "--eta-plus",
                          "--step-size-min",
                          "--step-size-max",
                          "--warmup-steps",
                          "--r",
                          "--weight-lr-power"})
    {
        CAPTURE(f);
        CHECK(r.out.find(std::string("\n  ") + f + " ") != std::string::npos);
    }
    for (const char* name :
         {"sgd", "momentum", "nesterov", "adam", "amsgrad", "adamw", "lamb", "lars", "rmsprop", "adagrad", "lion",
          "nadam", "radam", "adamax", "adadelta", "rprop", "asgd", "sgd_schedule_free", "adamw_schedule_free"})
    {
        CHECK(r.out.find(std::string("\n  ") + name + ": ") != std::string::npos);
    }
    const auto top = run("--help");
    CHECK(top.status == 0);
    CHECK(top.out.find("\n  fit ") != std::string::npos);
    const auto unknown = run("draw");
    CHECK(unknown.status == 2);
    CHECK(unknown.out.empty());
    CHECK(unknown.err.find("unknown subcommand 'draw' (choose from: fit") != std::string::npos);
    const auto none = run("");
    CHECK(none.status == 2);
}

TEST_CASE("cli fit: bad input exits 2 with one line and no output")
{
    const std::string data = " --data " + quoted(data_dir / "data.csv");
    // Unknown names.
    check_bad_input("--optimizer sgd --bogus 1", "unknown flag '--bogus'");
    check_bad_input("--optimizer lamb --trust-ratio", "unknown flag '--trust-ratio'");
    check_bad_input("--optimizer sgdd",
                    "unknown optimizer 'sgdd' (choose from: sgd, momentum, nesterov, adam, "
                    "amsgrad, adamw, lamb, lars, rmsprop, adagrad, lion, nadam, radam, adamax, "
                    "adadelta, rprop, asgd, adafactor, sgd_schedule_free, adamw_schedule_free, muon, "
                    "shampoo)");
    check_bad_input("--optimizer sgd --loss l3", "unknown loss 'l3' (choose from: mse, rmse, mae, huber)");
    check_bad_input("--optimizer sgd --objective sphere", "unknown objective 'sphere' (choose from: rosenbrock, beale");
    check_bad_input("", "--optimizer is required (choose from: sgd,");
    // Malformed numbers.
    check_bad_input("--optimizer sgd --lr 0.1x", "--lr: '0.1x' is not a finite number");
    check_bad_input("--optimizer sgd --lr nan", "--lr: 'nan' is not a finite number");
    check_bad_input("--optimizer sgd --lr ''", "--lr: '' is not a finite number");
    check_bad_input("--optimizer sgd --epochs -3", "--epochs: '-3' is not a non-negative integer");
    check_bad_input("--optimizer sgd --epochs 2.5", "--epochs: '2.5' is not a non-negative integer");
    check_bad_input("--optimizer sgd --init 1,abc", "--init: 'abc' is not a finite number");
    check_bad_input("--optimizer sgd --seed 99999999999999999999999", "--seed:");
    check_bad_input("--optimizer sgd --batch-size 7 --epochs 18446744073709551615",
                    "epochs: 18446744073709551615 epochs of 15 steps overflow the step count");
    // Invalid hyperparameters (the library's own checks, naming argument and value).
    check_bad_input("--optimizer sgd --lr -0.1", "lr must be finite and >= 0, got -0.1");
    check_bad_input("--optimizer adam --beta1 1.5", "beta1 must be in [0, 1), got 1.5");
    check_bad_input("--optimizer sgd --momentum -1", "momentum");
    check_bad_input("--optimizer sgd --nesterov", "momentum must be > 0 with nesterov");
    check_bad_input("--optimizer adam --eps 0", "eps must be finite and > 0, got 0");
    check_bad_input("--optimizer lamb --trust-clip -1", "trust_clip");
    check_bad_input("--optimizer rmsprop --alpha 2", "alpha");
    // Flags that do not fit together.
    check_bad_input("--optimizer adam --momentum 0.9", "--momentum does not apply to adam (it takes --lr,");
    check_bad_input("--optimizer sgd --data a.csv --seed-data", "--data and --seed-data exclude each other");
    check_bad_input("--optimizer sgd --objective beale --loss mse", "--loss does not apply with --objective");
    check_bad_input("--optimizer sgd --objective beale --batch-size 4", "--batch-size does not apply with --objective");
    check_bad_input("--optimizer sgd --init 1,2,3" + data, "--init: 3 values for 2 parameters");
    check_bad_input("--optimizer sgd --objective saddle --init 1", "--init: 1 values for 2 parameters");
    check_bad_input("--optimizer sgd --batch-size 0", "--batch-size: must be at least 1, got 0");
    check_bad_input("--optimizer sgd --lr", "--lr needs a value");
    check_bad_input("--optimizer sgd --lr 0.1 --lr 0.2", "--lr is given more than once");
    check_bad_input("--optimizer sgd --nesterov=1", "--nesterov takes no value");
    check_bad_input("--optimizer sgd extra", "unexpected argument 'extra'");
    // Bad data files, named with their line.
    check_bad_input("--optimizer sgd --data /nonexistent/d.csv", "/nonexistent/d.csv: cannot open the file");
    const auto empty = write_temp("empty.csv", "");
    check_bad_input("--optimizer sgd --data " + quoted(empty), "empty.csv:1: empty file");
    const auto text = write_temp("text.csv", "x,y\n1,2\n3,four\n");
    check_bad_input("--optimizer sgd --data " + quoted(text), "text.csv:3: column 2: 'four' is not a number");
    const auto columns = write_temp("columns.csv", "x,y\n1,2\n3,4,5\n");
    check_bad_input("--optimizer sgd --data " + quoted(columns), "columns.csv:3: 3 columns; the header has 2");
    const auto nan = write_temp("nan.csv", "x,y\n1,2\nNaN,4\n");
    check_bad_input("--optimizer sgd --data " + quoted(nan), "nan.csv:3: column 1: 'NaN' is not finite");
    const auto inf = write_temp("inf.csv", "x,y\n1,inf\n");
    check_bad_input("--optimizer sgd --data " + quoted(inf), "inf.csv:2: column 2: 'inf' is not finite");
}

#else

TEST_CASE("cli fit: xoptim-viz was not built" * doctest::skip()) {}

#endif
