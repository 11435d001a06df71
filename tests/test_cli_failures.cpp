// xoptim-viz under hostile conditions, run as a program: a start where the loss is not finite,
// standard output and files that cannot be written (/dev/full, `ulimit -f`), a stale temporary
// file that is a symbolic link, and checkpoints whose step counts are out of bounds. Each must
// end with one line on standard error and the promised exit status, never a crash or a hang.
#include <doctest/doctest.h>

#ifdef XOPTIM_TEST_HAS_VIZ

#include "cli_support.hpp"
#include "reliability_helpers.hpp"

#include <sys/wait.h>

#include "paths.hpp"
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cli_failures
{
    namespace fs = std::filesystem;

    inline const fs::path dir = fs::path(xoptim_test::output_dir()) / "cli_failures";
    inline const std::string viz = std::string("'") + xoptim_test::viz_exe() + "'";

    using xoptim_test::quoted;
    using xoptim_test::read_file;
    using result = xoptim_test::cli_run;

    inline fs::path fresh(const std::string& name)
    {
        const fs::path p = dir / name;
        fs::remove_all(p);
        fs::create_directories(p);
        return p;
    }

    // Runs `script` with bash -c in `cwd`; standard error is captured, standard output is
    // whatever the script redirects it to (captured when it does not).
    inline result run_script(const fs::path& cwd, const std::string& script)
    {
        static int counter = 0;
        fs::create_directories(dir);
        const auto out = dir / ("script" + std::to_string(counter) + ".out");
        const auto err = dir / ("script" + std::to_string(counter) + ".err");
        ++counter;
        const auto sh = dir / ("script" + std::to_string(counter - 1) + ".sh");
        std::ofstream(sh) << "cd " << quoted(cwd) << " || exit 99\n" << script << "\n";
        const std::string command = "bash " + quoted(sh) + " > " + quoted(out) + " 2> " + quoted(err) + " < /dev/null";
        const int raw = std::system(command.c_str());
        result r;
        r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
        r.out = read_file(out);
        r.err = read_file(err);
        return r;
    }

    inline int count_newlines(const std::string& s)
    {
        int n = 0;
        for (char c : s) { n += c == '\n' ? 1 : 0; }
        return n;
    }

    // `command` under a file size limit of `blocks` KiB; its standard error goes through a pipe
    // (a pipe is not limited), so that the message can be read whatever the limit.
    inline std::string limited(int blocks, const std::string& command)
    {
        return "( ulimit -f " + std::to_string(blocks) + "; exec " + command
               + " ) 2>&1 | cat >&2; exit ${PIPESTATUS[0]}";
    }

    inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

    inline std::vector<unsigned char> bytes_of(const fs::path& p)
    {
        const std::string s = read_file(p);
        return std::vector<unsigned char>(s.begin(), s.end());
    }

    inline void write_bytes(const fs::path& p, const std::vector<unsigned char>& b)
    {
        std::ofstream(p, std::ios::binary)
            .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }

    // The offset of group 0's step count in a checkpoint: after the header and the identity,
    // the kind (u32 length and bytes), the element type, the flags and the group count.
    inline std::size_t step_offset(const std::vector<unsigned char>& b)
    {
        const std::size_t at = xrel::kind_at(b);
        return at + 4 + xrel::read_u32(b, at) + 1 + 1 + 4;
    }

    inline void reseal(std::vector<unsigned char>& b) { xrel::reseal(b); }

    inline void set_step(std::vector<unsigned char>& b, std::uint64_t step)
    {
        const std::size_t at = step_offset(b);
        for (int i = 0; i < 8; ++i)
        {
            b.at(at + static_cast<std::size_t>(i)) = static_cast<unsigned char>(step >> (8 * i));
        }
        reseal(b);
    }
}

using namespace cli_failures;

TEST_CASE("cli failures: report from a start where the loss is not finite is bad input, not a crash")
{
    const fs::path d = dir / "report_start";
    for (const std::string init : {"1e300,0", "1e200,1e200", "-1e300,1e300"})
    {
        INFO(init);
        fs::remove_all(d);
        const auto r =
            xoptim_test::run_viz(dir, "report --iterations 5 --grid 5 --out " + quoted(d) + " --init " + init);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("xoptim-viz report: --init ", 0) == 0);
        CHECK(contains(r.err, "not finite"));
        CHECK(count_newlines(r.err) == 1);
        CHECK_FALSE(fs::exists(d));
    }
    // Every test function from far away: a clear refusal or a report, never a signal.
    for (const std::string f : {"rosenbrock", "beale", "himmelblau", "rastrigin", "ill_conditioned", "saddle"})
    {
        INFO(f);
        fs::remove_all(d);
        const auto r = xoptim_test::run_viz(dir, "report --iterations 5 --grid 5 --objective " + f
                                                     + " --init 1e150,1e150 --out " + quoted(d));
        CHECK((r.status == 0 || r.status == 2));
        if (r.status == 2)
        {
            CHECK(count_newlines(r.err) == 1);
            CHECK(contains(r.err, "--init"));
        }
    }
    const auto ros = xoptim_test::run_viz(
        dir, "report --iterations 5 --grid 5 --objective rosenbrock --init 1e150,1e150 --out " + quoted(d));
    CHECK(ros.status == 2);
}

TEST_CASE("cli failures: standard output that cannot be written is an I/O error (status 1, one line)")
{
    const fs::path d = fresh("stdout");
    for (const std::string args : {"fit --optimizer sgd --lr 0.1", "fit --optimizer adam --lr 0.1 --epochs 5000",
                                   "fit --help", "--help", "report --iterations 5 --grid 5 --optimizers sgd --out r"})
    {
        INFO(args);
        const auto r = run_script(d, viz + " " + args + " > /dev/full");
        CHECK(r.status == 1);
        CHECK(count_newlines(r.err) == 1);
        CHECK(contains(r.err, "standard output"));
        CHECK(contains(r.err, "No space left on device"));
    }
}

TEST_CASE("cli failures: a file size limit is reported, not a SIGXFSZ death, and leaves no partial file")
{
    const fs::path d = fresh("ulimit");
    // Standard output to a file that may hold 1 KiB: the rows past it cannot be written.
    const auto rows = run_script(d, limited(1, viz + " fit --optimizer adam --lr 0.1 --epochs 5000 > rows.csv"));
    CHECK(rows.status == 1);
    CHECK(count_newlines(rows.err) == 1);
    CHECK(contains(rows.err, "standard output"));
    CHECK(contains(rows.err, "File too large"));
    CHECK(fs::file_size(d / "rows.csv") <= 1024);

    // A checkpoint that cannot be written: status 1, its path in the message, no file left.
    const auto ckpt =
        run_script(d, limited(0, viz + " fit --optimizer adam --lr 0.1 --epochs 3 --checkpoint run.ckpt > /dev/null"));
    CHECK(ckpt.status == 1);
    CHECK(count_newlines(ckpt.err) == 1);
    CHECK(contains(ckpt.err, "run.ckpt"));
    CHECK(contains(ckpt.err, "File too large"));
    CHECK_FALSE(fs::exists(d / "run.ckpt"));
    CHECK_FALSE(fs::exists(d / "run.ckpt.tmp"));

    // A report whose larger files do not fit: status 1, the file named, no "wrote", and every
    // file that exists is complete (none empty, no temporary left).
    const auto report = run_script(
        d, limited(8, viz + " report --iterations 5 --grid 20 --optimizers sgd,adam --out rep > report.out"));
    const std::string report_out = read_file(d / "report.out");
    CHECK(report.status == 1);
    CHECK(count_newlines(report.err) == 1);
    CHECK(contains(report.err, "rep/"));
    CHECK(contains(report.err, "File too large"));
    CHECK_FALSE(contains(report_out, "wrote"));
    if (fs::exists(d / "rep"))
    {
        for (const auto& e : fs::directory_iterator(d / "rep"))
        {
            INFO(e.path().string());
            CHECK(fs::file_size(e.path()) > 0);
            CHECK(e.path().extension() != ".tmp");
        }
    }
}

TEST_CASE("cli failures: a stale temporary file that is a symbolic link is not followed")
{
    const fs::path d = fresh("symlink");
    std::ofstream(d / "sentinel") << "keep me\n";
    fs::create_symlink(d / "sentinel", d / "run.ckpt.tmp");
    const auto r = xoptim_test::run_viz(dir, "fit --optimizer adam --lr 0.1 --epochs 3 --checkpoint run.ckpt", d);
    CHECK(r.status == 1);
    CHECK(count_newlines(r.err) == 1);
    CHECK(contains(r.err, "run.ckpt.tmp"));
    CHECK(read_file(d / "sentinel") == "keep me\n");
    CHECK(fs::is_symlink(d / "run.ckpt.tmp"));
    CHECK_FALSE(fs::exists(fs::symlink_status(d / "run.ckpt")));

    // A stale regular temporary file of ours is replaced.
    fs::remove(d / "run.ckpt.tmp");
    std::ofstream(d / "run.ckpt.tmp") << "half a checkpoint";
    const auto again = xoptim_test::run_viz(dir, "fit --optimizer adam --lr 0.1 --epochs 3 --checkpoint run.ckpt", d);
    CHECK(again.status == 0);
    CHECK(fs::is_regular_file(fs::symlink_status(d / "run.ckpt")));
    CHECK_FALSE(fs::exists(d / "run.ckpt.tmp"));
}

TEST_CASE("cli failures: step counts in a checkpoint are bounded, and a resume far into a run does not loop")
{
    const fs::path d = fresh("steps");
    const std::string flags = "--seed-data --optimizer adam --lr 0.1 --batch-size 10 --seed 3";
    REQUIRE(xoptim_test::run_viz(dir, "fit " + flags + " --epochs 1 --checkpoint run.ckpt", d).status == 0);
    const auto good = bytes_of(d / "run.ckpt");

    auto huge = good;
    set_step(huge, ~std::uint64_t(0));
    write_bytes(d / "huge.ckpt", huge);
    const auto refused = xoptim_test::run_viz(dir, "fit " + flags + " --epochs 1 --resume huge.ckpt", d);
    CHECK(refused.status == 2);
    CHECK(refused.out.empty());
    CHECK(count_newlines(refused.err) == 1);
    CHECK(contains(refused.err, "group 0 step count"));
    CHECK(contains(refused.err, "18446744073709551615"));
    CHECK(contains(refused.err, "9007199254740992"));
    CHECK(bytes_of(d / "huge.ckpt") == huge);

    // 10^15 steps taken: the shuffle skips them arithmetically (a loop over 10^15 batches
    // would never end); `timeout` turns a hang into status 124.
    auto far = good;
    set_step(far, 1000000000000000ull);
    write_bytes(d / "far.ckpt", far);
    const auto resumed =
        run_script(d, "timeout --foreground 60 " + viz + " fit " + flags + " --epochs 1 --resume far.ckpt");
    CHECK(resumed.status == 0);
    CHECK(contains(resumed.out, "\n1000000000000010,"));
}

#endif
