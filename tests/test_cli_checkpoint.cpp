// xoptim-viz fit --checkpoint / --resume, run as a program: a resumed run prints the same rows
// as an uninterrupted one; a bad or mismatched file is bad input (status 2, one line on
// standard error, nothing on standard output) and is left as it was.
#include <doctest/doctest.h>

#ifdef XOPTIM_TEST_HAS_VIZ

#include "cli_support.hpp"

#include "paths.hpp"
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace
{
    namespace fs = std::filesystem;

    const fs::path dir = fs::path(xoptim_test::output_dir()) / "cli_checkpoint";

    const auto slurp = [](const fs::path& p) { return xoptim_test::read_file(p); };
    // What `fit --objective rosenbrock --optimizer adam --lr 0.1 --epochs 3 --checkpoint` wrote
    // in format 2 (tests/data/checkpoints_v2/).
    const std::string v2_cli = std::string(xoptim_test::data_dir()) + "/checkpoints_v2/cli_adam.ckpt";
    using result = xoptim_test::cli_run;

    result run(const std::string& args) { return xoptim_test::run_viz(dir, "fit " + args, dir); }

    std::vector<std::string> lines(const std::string& text)
    {
        std::vector<std::string> out;
        std::istringstream in(text);
        for (std::string l; std::getline(in, l);) { out.push_back(l); }
        return out;
    }

    int count_newlines(const std::string& s)
    {
        int n = 0;
        for (char c : s) { n += c == '\n' ? 1 : 0; }
        return n;
    }
}

TEST_CASE("cli checkpoint: resuming prints the rows of the uninterrupted run, character for character")
{
    struct setup
    {
        const char* flags;
    };
    const setup setups[] = {
        {"--optimizer adam --lr 0.1"},
        {"--optimizer lamb --lr 0.05 --weight-decay 0.01 --loss rmse"},
        {"--optimizer momentum --lr 0.01 --momentum 0.8 --loss huber"},
        {"--optimizer adagrad --lr 0.5"},
        {"--objective rosenbrock --optimizer rmsprop --lr 0.001 --momentum 0.5"},
    };
    for (const auto& s : setups)
    {
        CAPTURE(std::string(s.flags));
        fs::create_directories(dir);
        fs::remove(dir / "mid.ckpt");
        const result whole = run(std::string(s.flags) + " --epochs 12");
        const result first = run(std::string(s.flags) + " --epochs 7 --checkpoint mid.ckpt");
        const result second = run(std::string(s.flags) + " --epochs 5 --resume mid.ckpt");
        REQUIRE(whole.status == 0);
        REQUIRE(first.status == 0);
        REQUIRE(second.status == 0);
        CHECK(second.err.empty());
        const auto w = lines(whole.out);
        const auto a = lines(first.out);
        const auto b = lines(second.out);
        REQUIRE(w.size() == 1 + 13);  // header, steps 0..12
        REQUIRE(a.size() == 1 + 8);   // header, steps 0..7
        REQUIRE(b.size() == 1 + 6);   // header, steps 7..12
        CHECK(b[0] == w[0]);
        for (std::size_t i = 0; i < a.size(); ++i) { CHECK(a[i] == w[i]); }
        for (std::size_t i = 1; i < b.size(); ++i) { CHECK(b[i] == w[7 + i]); }
        CHECK(b[1].rfind("7,", 0) == 0);
    }
}

TEST_CASE("cli checkpoint: a resumed mini-batch run continues the shuffled batch order")
{
    // 100 samples in batches of 25: four steps an epoch; 2 epochs, then 1 more, equal 3.
    const std::string data = "--data " + std::string(xoptim_test::data_dir()) + "/data.csv";
    const std::string flags = data + " --optimizer adam --lr 0.1 --batch-size 25 --seed 7";
    fs::create_directories(dir);
    fs::remove(dir / "batches.ckpt");
    const result whole = run(flags + " --epochs 3");
    const result first = run(flags + " --epochs 2 --checkpoint batches.ckpt");
    const result second = run(flags + " --epochs 1 --resume batches.ckpt");
    REQUIRE(whole.status == 0);
    REQUIRE(first.status == 0);
    REQUIRE(second.status == 0);
    const auto w = lines(whole.out);
    const auto b = lines(second.out);
    REQUIRE(w.size() == 1 + 13);
    REQUIRE(b.size() == 1 + 5);                                              // header, steps 8..12
    for (std::size_t i = 1; i < b.size(); ++i) { CHECK(b[i] == w[8 + i]); }  // w[1] is step 0
    // and the order matters: another shuffle seed gives other rows after the resume
    const result other =
        run(data + " --optimizer adam --lr 0.1 --batch-size 25 --seed 8 --epochs 1 --resume batches.ckpt");
    REQUIRE(other.status == 0);
    CHECK(lines(other.out).at(2) != w.at(10));
    // With --seed-data the seed also makes the data: another seed is another problem.
    fs::remove(dir / "seeded.ckpt");
    REQUIRE(run("--seed-data --seed 7 --optimizer adam --lr 0.1 --epochs 1 --checkpoint seeded.ckpt").status == 0);
    const result reseeded = run("--seed-data --seed 8 --optimizer adam --lr 0.1 --epochs 1 --resume seeded.ckpt");
    CHECK(reseeded.status == 2);
    CHECK(reseeded.err.find("xoptim checkpoint: made on \"xoptim-viz fit: linear regression on 100 rows")
          != std::string::npos);
}

TEST_CASE("cli checkpoint: a checkpoint can be resumed twice, and --checkpoint may overwrite --resume's file")
{
    fs::create_directories(dir);
    fs::remove(dir / "chain.ckpt");
    const std::string flags = "--optimizer lion --lr 0.01 --weight-decay 0.1";
    const result whole = run(flags + " --epochs 9");
    REQUIRE(run(flags + " --epochs 3 --checkpoint chain.ckpt").status == 0);
    REQUIRE(run(flags + " --epochs 3 --resume chain.ckpt --checkpoint chain.ckpt").status == 0);
    const result last = run(flags + " --epochs 3 --resume chain.ckpt");
    REQUIRE(last.status == 0);
    const auto w = lines(whole.out);
    const auto l = lines(last.out);
    REQUIRE(l.size() == 5);
    for (std::size_t i = 1; i < l.size(); ++i) { CHECK(l[i] == w[6 + i]); }
}

TEST_CASE("cli checkpoint: bad and mismatched files are bad input and stay untouched")
{
    fs::create_directories(dir);
    fs::remove(dir / "good.ckpt");
    REQUIRE(run("--optimizer adam --lr 0.1 --epochs 4 --checkpoint good.ckpt").status == 0);
    const std::string good = slurp(dir / "good.ckpt");
    REQUIRE(good.size() > 32);
    {
        std::ofstream(dir / "garbage.ckpt", std::ios::binary)
            << "not a checkpoint at all, but long enough to have a header";
        std::string flipped = good;
        flipped[flipped.size() / 2] ^= 0x10;
        std::ofstream(dir / "flipped.ckpt", std::ios::binary) << flipped;
        std::ofstream(dir / "short.ckpt", std::ios::binary) << good.substr(0, good.size() - 3);
    }
    struct bad_case
    {
        std::string args, message;
    };
    const bad_case cases[] = {
        {"--optimizer adam --lr 0.1 --resume garbage.ckpt", "not an xoptim checkpoint (magic: expected"},
        {"--optimizer adam --lr 0.1 --resume flipped.ckpt", "checksum (XXH3-64): expected"},
        {"--optimizer adam --lr 0.1 --resume short.ckpt", "payload size: the header says"},
        {"--optimizer adam --lr 0.1 --resume missing.ckpt", "no such file"},
        // The file records the problem and optimizer it was made on (format 3).
        {"--optimizer sgd --lr 0.1 --resume good.ckpt", "; optimizer adam; 2 parameters\", expected \"xoptim-viz fit: "
                                                        "linear regression on 100 rows of 2 columns, digests "},
        {"--optimizer sgd --lr 0.1 --resume good.ckpt", "; optimizer sgd; 2 parameters\""},
        {"--optimizer adam --lr 0.1 --loss mae --resume good.ckpt",
         "; loss mse; optimizer adam; 2 parameters\", expected"},
        {"--optimizer adam --lr 0.1 --seed 1 --resume good.ckpt", "made on \"xoptim-viz fit: linear regression"},
        {"--objective rosenbrock --optimizer adam --lr 0.1 --resume good.ckpt",
         "expected \"xoptim-viz fit: objective rosenbrock; optimizer adam; 2 parameters\""},
        {"--optimizer adam --lr 0.2 --resume good.ckpt", "hyperparameters differ from the command line's: "
                                                         "scale_by_lr.lr: expected 0.2, found 0.1"},
        {"--optimizer amsgrad --lr 0.1 --resume good.ckpt", "; optimizer amsgrad; 2 parameters\""},
        // A format-2 file records nothing of the kind: its optimizer's kind is checked.
        {"--objective rosenbrock --optimizer sgd --lr 0.1 --resume " + v2_cli, "optimizer kind: expected"},
    };
    for (const auto& c : cases)
    {
        CAPTURE(c.args);
        const result r = run(c.args + " --epochs 3");
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(count_newlines(r.err) == 1);
        CHECK(r.err.rfind("xoptim-viz fit: --resume ", 0) == 0);
        CHECK(r.err.find(c.message) != std::string::npos);
    }
    // A problem with another number of parameters: refused by what the file was made on.
    {
        const std::string csv = "x1,x2,y\n1,2,3\n2,1,4\n3,3,5\n";
        std::ofstream(dir / "three.csv", std::ios::binary) << csv;
        const result r = run("--data three.csv --optimizer adam --lr 0.1 --epochs 2 --resume good.ckpt");
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(count_newlines(r.err) == 1);
        CHECK(r.err.find("expected \"xoptim-viz fit: linear regression on 3 rows of 3 columns") != std::string::npos);
        CHECK(r.err.find("; optimizer adam; 3 parameters\"") != std::string::npos);
    }
    // Flags that cannot go with --resume.
    {
        const result r = run("--optimizer adam --lr 0.1 --epochs 2 --resume good.ckpt --init 1,2");
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find("--init does not apply with --resume") != std::string::npos);
    }
    CHECK(slurp(dir / "good.ckpt") == good);
}

TEST_CASE("cli checkpoint: a format-2 checkpoint still resumes, and continues the uninterrupted run")
{
    fs::create_directories(dir);
    const result whole = run("--objective rosenbrock --optimizer adam --lr 0.1 --epochs 5");
    REQUIRE(whole.status == 0);
    const result resumed = run("--objective rosenbrock --optimizer adam --lr 0.1 --epochs 2 --resume " + v2_cli);
    CHECK(resumed.status == 0);
    CHECK(resumed.err.empty());
    const auto all = lines(whole.out), tail = lines(resumed.out);
    REQUIRE(all.size() == 7);   // header, steps 0 to 5
    REQUIRE(tail.size() == 4);  // header, steps 3 to 5
    CHECK(tail[0] == all[0]);
    for (std::size_t i = 1; i < tail.size(); ++i) { CHECK(tail[i] == all[i + 3]); }
}

TEST_CASE("cli checkpoint: a run that diverges writes no checkpoint over the previous one")
{
    fs::create_directories(dir);
    fs::remove(dir / "keep.ckpt");
    REQUIRE(run("--optimizer sgd --lr 0.001 --epochs 2 --checkpoint keep.ckpt").status == 0);
    const std::string before = slurp(dir / "keep.ckpt");
    const result r = run("--optimizer sgd --lr 10 --epochs 400 --checkpoint keep.ckpt");
    CHECK(r.status == 3);
    CHECK(slurp(dir / "keep.ckpt") == before);
}

#endif
