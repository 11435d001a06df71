// The adversarial suite: families of attacks on the library and on xoptim-viz, each tried
// many times. Prints one row per family (tried, held, what "held" means) and exits 1 when any
// attack was not held, naming the first ones. `--markdown` prints the table
// docs/reliability.md shows; `--quick` tries fewer of the slow attacks.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/xoptim.hpp>

#include "cli_support.hpp"
#include "paths.hpp"

namespace
{
    namespace fs = std::filesystem;
    using opt_t = xoptim::any_optimizer<double>;
    using params_t = std::vector<xt::xtensor<double, 2>>;

    // ---- what a family found ------------------------------------------------------------

    struct family
    {
        std::string name;
        std::string held_means;
        std::size_t tried = 0;
        std::size_t held = 0;
        std::vector<std::string> failures = {};

        void record(bool ok, const std::string& attack)
        {
            ++tried;
            if (ok) { ++held; }
            else if (failures.size() < 10) { failures.push_back(attack); }
        }
    };

    // ---- optimizers with state, and their bytes --------------------------------------------

    params_t make_params()
    {
        return {xt::xtensor<double, 2>{{1.0, -2.0, 3.0}, {0.5, 0.25, -1.0}}, xt::xtensor<double, 2>{{2.0}}};
    }

    params_t make_grads(int k)
    {
        const double s = 1.0 + 0.25 * k;
        return {xt::xtensor<double, 2>{{0.1 * s, 0.2, -0.3 * s}, {1.0, -1.0 * s, 0.05}},
                xt::xtensor<double, 2>{{-0.5 * s}}};
    }

    // Optimizer `name` after `steps` steps on make_params(), which it leaves in `params`.
    opt_t stepped(std::string_view name, int steps, params_t& params)
    {
        opt_t opt = xoptim::make_optimizer<double>(name);
        params = make_params();
        for (int k = 0; k < steps; ++k)
        {
            const params_t grads = make_grads(k);
            opt.step(0, params, grads);
        }
        return opt;
    }

    // The optimizer and its parameters, as bytes: what must not change under an attack.
    std::vector<unsigned char> snapshot(const opt_t& opt, params_t& params) { return opt.to_bytes(params); }

    std::string hex(unsigned v)
    {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02x", v);
        return buf;
    }

    // Loading `bytes` into `target` must be refused as a checkpoint_error, with target and
    // params as they were.
    bool refused_unchanged(opt_t& target, params_t& params, const std::vector<unsigned char>& before,
                           std::span<const unsigned char> bytes)
    {
        bool refused = false;
        try
        {
            target.from_bytes(bytes, params);
        }
        catch (const xoptim::checkpoint_error& e)
        {
            refused = std::strlen(e.what()) > 0;
        }
        catch (...)
        {
            return false;
        }
        return refused && snapshot(target, params) == before;
    }

    // ---- families: checkpoints -------------------------------------------------------------

    family byte_flips()
    {
        family f{"checkpoint: every byte flipped", "refused as checkpoint_error; optimizer and parameters unchanged"};
        for (const auto name : xoptim::optimizer_names<double>())
        {
            params_t p;
            const auto bytes = stepped(name, 3, p).to_bytes(p);
            params_t q;
            opt_t target = stepped(name, 1, q);
            const auto before = snapshot(target, q);
            for (std::size_t i = 0; i < bytes.size(); ++i)
            {
                for (const unsigned mask : {0x01u, 0x80u, 0xffu})
                {
                    auto bad = bytes;
                    bad[i] = static_cast<unsigned char>(bad[i] ^ mask);
                    f.record(refused_unchanged(target, q, before, bad),
                             std::string(name) + ": byte " + std::to_string(i) + " ^ " + hex(mask));
                }
            }
        }
        return f;
    }

    family truncations()
    {
        family f{"checkpoint: every truncation, and bytes appended",
                 "refused as checkpoint_error; optimizer and parameters unchanged"};
        for (const auto name : xoptim::optimizer_names<double>())
        {
            params_t p;
            const auto bytes = stepped(name, 3, p).to_bytes(p);
            params_t q;
            opt_t target = stepped(name, 1, q);
            const auto before = snapshot(target, q);
            for (std::size_t n = 0; n < bytes.size(); ++n)
            {
                f.record(refused_unchanged(target, q, before, std::span(bytes.data(), n)),
                         std::string(name) + ": first " + std::to_string(n) + " bytes");
            }
            for (const std::size_t extra : {std::size_t(1), std::size_t(8), std::size_t(4096)})
            {
                auto longer = bytes;
                longer.resize(bytes.size() + extra, 0);
                f.record(refused_unchanged(target, q, before, longer),
                         std::string(name) + ": " + std::to_string(extra) + " bytes appended");
            }
        }
        return f;
    }

    family other_kinds()
    {
        family f{"checkpoint: loaded into another optimizer or other shapes",
                 "refused as checkpoint_error, optimizer and parameters unchanged (loaded whole when only the settings "
                 "differ)"};
        const auto names = xoptim::optimizer_names<double>();
        for (const auto from : names)
        {
            params_t p;
            const auto bytes = stepped(from, 2, p).to_bytes(p);
            const std::string kind = xoptim::make_optimizer<double>(from).checkpoint_kind();
            for (const auto to : names)
            {
                if (to == from) { continue; }
                params_t q;
                opt_t target = stepped(to, 1, q);
                if (target.checkpoint_kind() == kind)
                {
                    // The same rules with other settings (sgd and momentum, adam and amsgrad):
                    // a checkpoint carries its hyperparameters, so it loads, whole.
                    bool whole = false;
                    try
                    {
                        target.from_bytes(bytes, q);
                        whole = target.to_bytes(q) == bytes;
                    }
                    catch (...)
                    {
                        whole = false;
                    }
                    f.record(whole,
                             std::string(from) + " into " + std::string(to) + " (same kind): not restored whole");
                    continue;
                }
                const auto before = snapshot(target, q);
                f.record(refused_unchanged(target, q, before, bytes), std::string(from) + " into " + std::string(to));
            }
            // The same optimizer, but parameters of other shapes.
            params_t q;
            opt_t target = stepped(from, 1, q);
            params_t other{xt::xtensor<double, 2>{{1.0, 2.0}, {3.0, 4.0}}, xt::xtensor<double, 2>{{2.0}}};
            const auto before = snapshot(target, other);
            f.record(refused_unchanged(target, other, before, bytes), std::string(from) + " into other shapes");
        }
        return f;
    }

    // A child saves two states in turn to one file for ever; the parent kills it at a random
    // moment. The file must then hold one of the two, whole.
    family kills_during_save(const fs::path& dir, int kills)
    {
        family f{"checkpoint: SIGKILL during a save", "the file loads and holds one of the two states saved, whole"};
        params_t pa, pb;
        const opt_t a = stepped("adam", 2, pa);
        const opt_t b = stepped("adam", 5, pb);
        const auto bytes_a = a.to_bytes(pa);
        const auto bytes_b = b.to_bytes(pb);
        const fs::path file = dir / "killed.ckpt";
        xoptim::save_checkpoint(file, a, pa);
        std::mt19937_64 rng(2026);
        std::uniform_int_distribution<int> delay_us(0, 3000);
        int mid_write = 0;
        for (int k = 0; k < kills; ++k)
        {
            std::cout.flush();
            const pid_t child = ::fork();
            if (child < 0)
            {
                f.record(false, "fork failed");
                break;
            }
            if (child == 0)
            {
                for (std::uint64_t i = 0;; ++i)
                {
                    if (i % 2 == 0) { xoptim::save_checkpoint(file, b, pb); }
                    else { xoptim::save_checkpoint(file, a, pa); }
                }
            }
            ::usleep(static_cast<useconds_t>(delay_us(rng)));
            ::kill(child, SIGKILL);
            int status = 0;
            ::waitpid(child, &status, 0);
            bool ok = false;
            try
            {
                opt_t loaded = xoptim::make_optimizer<double>("adam");
                params_t q = make_params();
                xoptim::load_checkpoint(file, loaded, q);
                const auto got = loaded.to_bytes(q);
                ok = got == bytes_a || got == bytes_b;
            }
            catch (...)
            {
                ok = false;
            }
            f.record(ok, "kill " + std::to_string(k));
            if (fs::exists(fs::path(file.string() + ".tmp"))) { ++mid_write; }
        }
        // Evidence that the kills land inside saves, not only between them.
        f.name += " (" + std::to_string(mid_write) + " of them left a temporary file behind)";
        return f;
    }

    // ---- families: CSV ---------------------------------------------------------------------

    struct csv_case
    {
        std::string_view text;
        std::size_t line;         // the line the error names; 0: the text is valid
        std::string_view reason;  // a part of the message
    };

    const csv_case csv_cases[] = {
        {"", 1, "empty file"},
        {"\n\n  \n", 3, "empty file"},
        {"x\n1\n", 1, "1 column"},
        {"x,y\n", 2, "no data rows"},
        {"x,y\n\n\n", 4, "no data rows"},
        {"x,y\n1,2,3\n", 2, "3 columns"},
        {"x,y\n1\n", 2, "1 columns"},
        {"x,y\n1,2\n3,4,\n", 3, "3 columns"},
        {"x,y\n1,\n", 2, "column 2"},
        {"x,y\n,2\n", 2, "column 1"},
        {"x,y\nabc,2\n", 2, "not a number"},
        {"x,y\n1,2x\n", 2, "not a number"},
        {"x,y\n1,nan\n", 2, "not finite"},
        {"x,y\n1,NaN\n", 2, "not finite"},
        {"x,y\ninf,2\n", 2, "not finite"},
        {"x,y\n-infinity,2\n", 2, "not finite"},
        {"x,y\n1e400,2\n", 2, "out of range"},
        {"x,y\n1,-1e999\n", 2, "out of range"},
        {"x,y\n1,0x10\n", 2, "not a number"},
        {"x,y\n1,++2\n", 2, "not a number"},
        {"x,y\n1,+-2\n", 2, "not a number"},
        {"x,y\n1,2 3\n", 2, "not a number"},
        {"x,y\n1;2\n", 2, "1 columns"},
        {"x,y\n\"1\",2\n", 2, "not a number"},
        {"\xef\xbb\xbfx,y\n1,2\n", 0, ""},
        {std::string_view("x,y\n1,2\0003\n", 10), 2, "not a number"},
        {"x,y\n1,2\n3,4", 0, ""},
        {"x,y\r\n1,2\r\n", 0, ""},
        {" x , y \n +1.5 , -2e-3 \n", 0, ""},
        {"x,y\n1e-320,2\n", 0, ""},
        {"a,b,c,y\n1,2,3,4\n5,6,7\n", 3, "3 columns"},
    };

    family malformed_csv(int mutants)
    {
        family f{"CSV: malformed data sets (31 written, and mutants of a valid one)",
                 "a csv_error naming the file and the line at fault, or a data set of finite numbers"};
        std::size_t k = 0;
        for (const auto& c : csv_cases)
        {
            std::istringstream in{std::string(c.text)};
            bool ok = false;
            try
            {
                const auto data = xoptim::parse_csv(in, "cases.csv");
                ok = c.line == 0 && data.size() > 0;
            }
            catch (const xoptim::csv_error& e)
            {
                const std::string prefix = "cases.csv:" + std::to_string(c.line) + ": ";
                ok = c.line != 0 && e.line() == c.line && std::string(e.what()).rfind(prefix, 0) == 0
                     && std::string(e.what()).find(c.reason) != std::string::npos;
            }
            catch (...)
            {
                ok = false;
            }
            f.record(ok, "case " + std::to_string(k++));
        }

        const std::string valid = "x1,x2,y\n1.5,-2,3\n0.25,4e-3,+5\n\n-7,8.5e2,9\n";
        const std::string_view alphabet = "0123456789.,-+eE \n\r\tanfix\0;\"";
        std::mt19937_64 rng(15);
        for (int m = 0; m < mutants; ++m)
        {
            std::string text = valid;
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits; ++e)
            {
                const std::size_t at = rng() % (text.size() + 1);
                const char c = alphabet[rng() % alphabet.size()];
                switch (rng() % 3)
                {
                case 0:
                    if (at < text.size()) { text[at] = c; }
                    break;
                case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
                default:
                    if (at < text.size()) { text.erase(at, 1); }
                    break;
                }
            }
            std::istringstream in(text);
            bool ok = false;
            try
            {
                const auto data = xoptim::parse_csv(in, "mutant.csv");
                ok = data.size() > 0;
                for (const double v : data.x) { ok = ok && std::isfinite(v); }
                for (const double v : data.y) { ok = ok && std::isfinite(v); }
            }
            catch (const xoptim::csv_error& e)
            {
                const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
                ok = e.line() >= 1 && e.line() <= lines + 1 && std::string(e.what()).rfind("mutant.csv:", 0) == 0;
            }
            catch (...)
            {
                ok = false;
            }
            f.record(ok, "mutant " + std::to_string(m));
        }
        return f;
    }

    // ---- families: API misuse, bit for bit ---------------------------------------------------

    // `misuse` must throw an exception whose message contains `names` (if not empty), and leave
    // the optimizer and parameters bit for bit as they were.
    bool refused_bit_for_bit(opt_t& opt, params_t& params, std::string_view names, const std::function<void()>& misuse)
    {
        const auto before = snapshot(opt, params);
        bool refused = false;
        try
        {
            misuse();
        }
        catch (const std::exception& e)
        {
            refused = names.empty() || std::string(e.what()).find(names) != std::string::npos;
        }
        try
        {
            return refused && snapshot(opt, params) == before;
        }
        catch (const std::exception&)
        {
            return false;  // a value was taken that the optimizer cannot even save
        }
    }

    family api_misuse()
    {
        family f{"API misuse on every named optimizer",
                 "an exception naming the argument; optimizer and parameters bit for bit as they were"};
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        for (const auto name : xoptim::optimizer_names<double>())
        {
            params_t params;
            opt_t opt = stepped(name, 2, params);
            const std::string n(name);
            auto attempt = [&](const std::string& what, std::string_view names, const std::function<void()>& misuse) {
                f.record(refused_bit_for_bit(opt, params, names, misuse), n + ": " + what);
            };
            attempt("one gradient for two tensors", "", [&] {
                params_t grads{make_grads(0)[0]};
                opt.step(0, params, grads);
            });
            attempt("a gradient of another shape", "", [&] {
                params_t grads{xt::xtensor<double, 2>{{1.0, 2.0}}, xt::xtensor<double, 2>{{1.0}}};
                opt.step(0, params, grads);
            });
            attempt("a step on group 7", "7", [&] {
                const params_t grads = make_grads(0);
                opt.step(7, params, grads);
            });
            opt.set_nonfinite_policy(xoptim::nonfinite_policy::throw_error);
            attempt("a NaN gradient under throw_error", "", [&] {
                params_t grads = make_grads(0);
                grads[1](0, 0) = nan;
                opt.step(0, params, grads);
            });
            attempt("an unknown hyperparameter", "no_such_setting", [&] { opt.set(0, "no_such_setting", 1.0); });
            attempt("a hyperparameter of group 3", "3", [&] { opt.set(3, "lr", 0.1); });
            attempt("empty bytes", "", [&] { opt.from_bytes(std::span<const unsigned char>(), params); });
            for (const auto& entry : opt.hyperparameter_entries())
            {
                const std::string path = entry.path;
                for (const double bad : {nan, inf, -inf})
                {
                    attempt(path + " = " + std::to_string(bad), path, [&] { opt.set(0, path, bad); });
                }
                if (!entry.is_bool)
                {
                    // Refused, or (for the settings that take any finite value, as asgd's alpha
                    // and t0 do in torch) taken exactly as given.
                    const auto before = snapshot(opt, params);
                    const opt_t kept = opt;
                    bool ok = false;
                    try
                    {
                        opt.set(0, path, -1e300);
                        ok = opt.get(0, path) == -1e300;
                        opt = kept;
                    }
                    catch (const std::exception& e)
                    {
                        ok = std::string(e.what()).find(path) != std::string::npos && snapshot(opt, params) == before;
                    }
                    f.record(ok, n + ": " + path + " = -1e300");
                }
            }
        }
        return f;
    }

    // ---- families: the command line --------------------------------------------------------

    family cli_misuse(const fs::path& dir)
    {
        family f{"xoptim-viz: bad command lines and unwritable outputs",
                 "exit 2 (bad input) or 1 (I/O), one line on standard error, nothing on standard output, existing "
                 "files unchanged"};
#ifdef XOPTIM_TEST_HAS_VIZ
        const fs::path good = dir / "good.ckpt";
        const auto first = xoptim_test::run_viz(dir / "runs", "fit --optimizer adam --epochs 3 --checkpoint "
                                                                  + xoptim_test::quoted(good));
        if (first.status != 0)
        {
            f.record(false, "the run that writes the checkpoint");
            return f;
        }
        const std::string good_bytes = xoptim_test::read_file(good);
        const std::string ck = " --checkpoint " + xoptim_test::quoted(good);

        auto expect = [&](const std::string& args, int status) {
            const auto r = xoptim_test::run_viz(dir / "runs", args);
            const auto newlines = std::count(r.err.begin(), r.err.end(), '\n');
            const bool ok = r.status == status && newlines == 1 && (status != 2 || r.out.empty())
                            && xoptim_test::read_file(good) == good_bytes;
            f.record(ok, args + " (status " + std::to_string(r.status) + ", stderr: " + r.err.substr(0, 200) + ")");
        };
        const std::vector<std::string> bad_values = {"abc", "nan", "-inf", "1e999", ""};
        for (const auto name : xoptim::optimizer_names<double>())
        {
            for (const auto& o : xoptim::optimizer_options<double>(name))
            {
                if (o.is_bool) { continue; }
                std::string flag = "--";
                for (const char c : o.name) { flag += c == '_' ? '-' : c; }
                for (const auto& v : bad_values)
                {
                    expect("fit --optimizer " + std::string(name) + " " + flag + " " + xoptim_test::quoted(v) + ck, 2);
                }
            }
        }
        const std::vector<std::string> bad_lines = {
            "fit",
            "fit --optimizer nope",
            "fit --optimizer sgd --no-such-flag 1",
            "fit --optimizer sgd --lr",
            "fit --optimizer sgd --lr 0.1 --lr 0.2",
            "fit --optimizer sgd --beta1 0.5",
            "fit --optimizer sgd --epochs -1",
            "fit --optimizer sgd --epochs 1e3",
            "fit --optimizer sgd --batch-size 0",
            "fit --optimizer sgd --init 1",
            "fit --optimizer sgd --init 1,2,3",
            "fit --optimizer sgd --init 1,nan",
            "fit --optimizer sgd --loss nope",
            "fit --optimizer sgd --objective nope",
            "fit --optimizer sgd --data /nonexistent/data.csv",
            "fit --optimizer sgd --data /dev/null",
            "fit --optimizer sgd --seed -3",
            "fit --optimizer sgd positional",
            "fit --optimizer sgd --resume /nonexistent.ckpt",
            "fit --optimizer sgd --resume " + xoptim_test::quoted(good),
            "fit --optimizer adam --lr 0.5 --resume " + xoptim_test::quoted(good),
            "report --init 1e300,0 --out " + xoptim_test::quoted(dir / "report"),
            "nosuchcommand",
        };
        for (const auto& args : bad_lines) { expect(args + ck, 2); }
        expect("fit --optimizer adam --epochs 3 --checkpoint /nonexistent/dir/x.ckpt", 1);
        {
            // Standard output that cannot be written (run_viz would redirect it to a file).
            const fs::path err = dir / "full.err";
            const std::string command = std::string("'") + xoptim_test::viz_exe()
                                        + "' fit --optimizer adam --epochs 3 > /dev/full 2> " + xoptim_test::quoted(err)
                                        + " < /dev/null";
            const int raw = std::system(command.c_str());
            const std::string text = xoptim_test::read_file(err);
            f.record(WIFEXITED(raw) && WEXITSTATUS(raw) == 1 && std::count(text.begin(), text.end(), '\n') == 1,
                     "fit > /dev/full (stderr: " + text + ")");
        }
#else
        (void)dir;
#endif
        return f;
    }
}

int main(int argc, char** argv)
{
    bool markdown = false;
    bool quick = false;
    for (int i = 1; i < argc; ++i)
    {
        const std::string_view a = argv[i];
        if (a == "--markdown") { markdown = true; }
        else if (a == "--quick") { quick = true; }
        else
        {
            std::cerr << "xoptim-adversarial: unknown argument '" << a << "' (takes --markdown, --quick)\n";
            return 2;
        }
    }
    const fs::path dir = fs::temp_directory_path() / ("xoptim-adversarial-" + std::to_string(::getpid()));
    fs::create_directories(dir);

    std::vector<family> families;
    families.push_back(byte_flips());
    families.push_back(truncations());
    families.push_back(other_kinds());
    families.push_back(kills_during_save(dir, quick ? 20 : 200));
    families.push_back(malformed_csv(quick ? 500 : 5000));
    families.push_back(api_misuse());
    families.push_back(cli_misuse(dir));
    fs::remove_all(dir);

    bool all_held = true;
    if (markdown) { std::cout << "| family | tried | held | held means |\n|---|---|---|---|\n"; }
    for (const auto& f : families)
    {
        all_held = all_held && f.held == f.tried && f.tried > 0;
        if (markdown)
        {
            std::cout << "| " << f.name << " | " << f.tried << " | " << f.held << " | " << f.held_means << " |\n";
        }
        else { std::cout << f.name << ": " << f.held << " of " << f.tried << " held\n"; }
        for (const auto& failure : f.failures) { std::cout << "  NOT HELD: " << failure << "\n"; }
    }
    return all_held ? 0 : 1;
}
