#pragma once
// xoptim-viz under mpirun. The plain tool has no MPI dependency: started by mpirun with more
// than one process it refuses (every process would write the same output). xoptim-viz-mpi,
// built from the same sources with XOPTIM_VIZ_MPI when MPI is found, starts MPI then, and
// `fit` splits the data set's rows across the ranks (global batches, rank 0 writes).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#ifdef XOPTIM_VIZ_MPI
#include <xoptim/mpi/collectives.hpp>
#include <xoptim/mpi/environment.hpp>
#include <xoptim/mpi/sharded_objective.hpp>
#endif

namespace xoptim_viz
{

    /// The number of processes mpirun started, from its environment (Open MPI's, or PMI's);
    /// 1 when not started by mpirun.
    inline int launched_processes()
    {
        for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
        {
            if (const char* v = std::getenv(name))
            {
                const int n = std::atoi(v);
                return n > 0 ? n : 1;
            }
        }
        return 1;
    }

    /// Starts MPI for the life of main when this build can and mpirun asked for it.
    class mpi_session
    {
    public:
        mpi_session(int& argc, char**& argv)
        {
#ifdef XOPTIM_VIZ_MPI
            if (launched_processes() > 1) { m_env.emplace(&argc, &argv); }
#else
            (void)argc;
            (void)argv;
#endif
        }

        /// Why this build cannot run here, or empty.
        std::string refusal() const
        {
#ifndef XOPTIM_VIZ_MPI
            if (launched_processes() > 1)
            {
                return "started by mpirun with " + std::to_string(launched_processes())
                       + " processes, but this xoptim-viz is built without MPI: run xoptim-viz-mpi";
            }
#endif
            return {};
        }

    private:
#ifdef XOPTIM_VIZ_MPI
        std::optional<xoptim::mpi::environment> m_env;
#endif
    };

    /// Whether this process is one of several MPI ranks.
    inline bool distributed()
    {
#ifdef XOPTIM_VIZ_MPI
        int initialised = 0;
        MPI_Initialized(&initialised);
        return initialised != 0 && xoptim::mpi::communicator().size() > 1;
#else
        return false;
#endif
    }

    /// `stream` on rank 0 (and when not distributed), a stream that drops everything elsewhere.
    inline std::ostream& rank0_stream(std::ostream& stream)
    {
        struct null_buffer : std::streambuf
        {
            int overflow(int c) override { return c; }
        };
        static null_buffer buffer;
        static std::ostream sink(&buffer);
#ifdef XOPTIM_VIZ_MPI
        if (distributed() && !xoptim::mpi::communicator().is_root()) { return sink; }
#endif
        return stream;
    }

    /// The settings every rank must share to take the same steps, as (name, value) pairs in a
    /// fixed order: the flags that change the run, the data set's size and digest, the state
    /// resumed from.
    using settings_list = std::vector<std::pair<std::string, std::string>>;

    /// A 64-bit FNV-1a digest of bytes, as 16 hex digits.
    inline std::string digest(const void* data, std::size_t size, std::uint64_t h = 0xcbf29ce484222325ull)
    {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i)
        {
            h ^= p[i];
            h *= 0x100000001b3ull;
        }
        char text[17];
        std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
        return text;
    }

    /// Thrown on every rank when the ranks agreed to stop with `status`; the one line that says
    /// why has been written already (by the failing rank, or by rank 0 for a disagreement).
    struct agreed_stop
    {
        int status;
    };

    /// The first difference between two ranks' settings, as "--epochs is 3 on rank 0 but 5 on
    /// rank 1"; empty when they are equal.
    inline std::string settings_difference(const settings_list& a, int rank_a, const settings_list& b, int rank_b)
    {
        const auto where = [](int r) { return " on rank " + std::to_string(r); };
        const auto find = [](const settings_list& list, const std::string& name) -> const std::string* {
            for (const auto& [n, v] : list)
            {
                if (n == name) { return &v; }
            }
            return nullptr;
        };
        for (const auto* list : {&a, &b})
        {
            for (const auto& [name, value] : *list)
            {
                const std::string* x = find(a, name);
                const std::string* y = find(b, name);
                if (x && y && *x == *y) { continue; }
                const auto text = [](const std::string* v) {
                    return v == nullptr ? std::string("not given") : v->empty() ? std::string("given") : *v;
                };
                return name + " is " + text(x) + where(rank_a) + " but " + text(y) + where(rank_b);
            }
        }
        return {};
    }

    /// The point where the ranks of an MPI run agree to start: each brings the settings it would
    /// run with, or the error that stopped it. Collective; call it once per run on every rank,
    /// from the path that succeeded (`start`) or from the one that failed (`stop`), so that a rank
    /// that fails alone (an empty standard input, a missing file, other flags) stops every rank
    /// instead of leaving them waiting. Not distributed, it does nothing (the caller reports).
    class start_gate
    {
    public:
        bool passed() const noexcept { return m_passed; }

        /// This rank is ready with `settings`. Returns when every rank is, with the same settings;
        /// else throws agreed_stop after one line on standard error (from the failing rank, or,
        /// when the settings differ, from rank 0).
        void start(const settings_list& settings) { meet("", settings); }

        /// This rank stops with `error` (usage: exit status 2). Returns the status every rank
        /// exits with; the one line has been written by the lowest rank that failed.
        int stop(const std::string& error)
        {
            try
            {
                meet(error, {});
            }
            catch (const agreed_stop& s)
            {
                return s.status;
            }
            return 2;
        }

    private:
        void meet(const std::string& error, const settings_list& settings)
        {
            m_passed = true;
#ifdef XOPTIM_VIZ_MPI
            if (distributed())
            {
                const xoptim::mpi::communicator world;
                std::string text;
                for (const auto& [name, value] : settings)
                {
                    text += name;
                    text += '\x1f';
                    text += value;
                    text += '\x1e';
                }
                struct entry
                {
                    std::uint64_t failed;
                    std::uint64_t signature;
                };
                const std::string sig = digest(text.data(), text.size());
                const entry mine{error.empty() ? 0u : 1u, std::strtoull(sig.c_str(), nullptr, 16)};
                std::vector<entry> all(static_cast<std::size_t>(world.size()));
                xoptim::mpi::detail::check(
                    MPI_Allgather(&mine, sizeof(entry), MPI_BYTE, all.data(), sizeof(entry), MPI_BYTE, world.get()),
                    "MPI_Allgather");
                for (std::size_t r = 0; r < all.size(); ++r)
                {
                    if (all[r].failed != 0)
                    {
                        if (static_cast<int>(r) == world.rank())
                        {
                            std::cerr << "xoptim-viz fit: rank " << r << ": " << error << std::endl;
                        }
                        throw agreed_stop{2};
                    }
                }
                std::size_t other = 0;
                while (other < all.size() && all[other].signature == all[0].signature) { ++other; }
                if (other == all.size()) { return; }
                // Only now, on every rank: whose settings differ from rank 0's, and where.
                const auto texts = xoptim::mpi::detail::gather_strings(world, text);
                if (world.is_root())
                {
                    std::cerr << "xoptim-viz fit: the ranks were started with different settings: "
                              << settings_difference(parse(texts[0]), 0, parse(texts[other]), static_cast<int>(other))
                              << " (start every rank with the same flags and data)" << std::endl;
                }
                throw agreed_stop{2};
            }
#endif
            (void)error;
            (void)settings;
        }

        static settings_list parse(const std::string& text)
        {
            settings_list out;
            std::size_t at = 0;
            while (at < text.size())
            {
                const auto unit = text.find('\x1f', at);
                const auto record = text.find('\x1e', unit);
                out.emplace_back(text.substr(at, unit - at), text.substr(unit + 1, record - unit - 1));
                at = record + 1;
            }
            return out;
        }

        bool m_passed = false;
    };

    /// An error that reached main. On several ranks the others may wait in a collective for this
    /// one: the line is written from this rank and the job ends (MPI_Abort); otherwise the line
    /// is written and `status` returned.
    inline int unexpected_error(const std::string& line, int status)
    {
#ifdef XOPTIM_VIZ_MPI
        if (distributed()) { xoptim::mpi::abort_job(MPI_COMM_WORLD, line, status); }
#endif
        std::cerr << line << "\n";
        return status;
    }

    /// Calls f(problem), or, on several ranks and for a linear regression, f(the same regression
    /// with its rows split across the ranks), which gives the same run to rounding.
    template <class Problem, class F>
    decltype(auto) with_distributed(const Problem& problem, F&& f)
    {
#ifdef XOPTIM_VIZ_MPI
        if constexpr (requires {
                          typename Problem::loss_type;
                          problem.x();
                          problem.y();
                          problem.loss();
                      })
        {
            if (distributed())
            {
                const auto sharded =
                    xoptim::mpi::shard_regression(xoptim::dataset{problem.x(), problem.y()}, problem.loss());
                return std::forward<F>(f)(sharded);
            }
        }
#endif
        return std::forward<F>(f)(problem);
    }

}  // namespace xoptim_viz
