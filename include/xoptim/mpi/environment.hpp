#pragma once
// MPI start-up and the small facts every distributed part needs: rank, size, the MPI type of
// a value type, and MPI errors turned into exceptions. Part of the optional xoptim::mpi target.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

// The MPI-2 C++ bindings are deprecated and not used here; skipping them keeps their
// warnings out of the user's build.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

namespace xoptim::mpi
{
    // An MPI call failed: what was called, and MPI's own description of the error.
    class error : public std::runtime_error
    {
    public:
        error(const std::string& call, int code)
            : std::runtime_error("xoptim::mpi: " + call + " failed: " + describe(code)), m_code(code)
        {}

        int code() const noexcept { return m_code; }

    private:
        static std::string describe(int code)
        {
            char text[MPI_MAX_ERROR_STRING];
            int length = 0;
            if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) { return "MPI error " + std::to_string(code); }
            return std::string(text, static_cast<std::size_t>(length));
        }

        int m_code;
    };

    namespace detail
    {
        inline void check(int code, const char* call)
        {
            if (code != MPI_SUCCESS) { throw error(call, code); }
        }

        // MPI counts are int: a larger message is the caller's error, named here.
        inline int count_of(std::size_t n, const char* what)
        {
            if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            {
                throw std::length_error(std::string("xoptim::mpi: ") + what + " has " + std::to_string(n)
                                        + " elements, more than one MPI message can hold");
            }
            return static_cast<int>(n);
        }
    }

    // Ends the whole job from this rank: writes "xoptim::mpi: rank R: <message>" as one line to
    // standard error and calls MPI_Abort. For an error that the other ranks cannot learn of
    // (they may already wait in a collective), where returning or finalising would hang them.
    [[noreturn]] inline void abort_job(MPI_Comm comm, const std::string& message, int status = 1) noexcept
    {
        int rank = 0;
        MPI_Comm_rank(comm, &rank);
        std::string line = "xoptim::mpi: rank " + std::to_string(rank) + ": " + message;
        for (char& c : line)
        {
            if (c == '\n') { c = ' '; }
        }
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
        MPI_Abort(comm, status);
        std::abort();
    }

    // The MPI datatype of float, double and 64-bit unsigned integers.
    template <class V>
    MPI_Datatype datatype()
    {
        if constexpr (std::is_same_v<V, float>) { return MPI_FLOAT; }
        else if constexpr (std::is_same_v<V, double>) { return MPI_DOUBLE; }
        else if constexpr (std::is_same_v<V, std::uint64_t>) { return MPI_UINT64_T; }
        else { static_assert(sizeof(V) == 0, "xoptim::mpi::datatype: float, double or std::uint64_t"); }
    }

    // Initialises MPI unless it already is, and finalises it on destruction if it initialised
    // it. A program started without mpirun runs as one process (Open MPI's singleton mode).
    //
    // MPI_Finalize waits for every rank. Destroyed while an exception unwinds past it, on more
    // than one rank, the environment cannot know whether the other ranks wait in a collective
    // for this one (they usually do: the exception left the loop they are still in), so it
    // ends the job with MPI_Abort after one line on standard error instead of hanging them.
    // A program that catches an error and returns normally must first make every rank learn
    // of it (agree on it collectively), or call abort_job.
    class environment
    {
    public:
        environment() : environment(nullptr, nullptr) {}

        environment(int* argc, char*** argv) : m_uncaught(std::uncaught_exceptions())
        {
            int initialised = 0;
            detail::check(MPI_Initialized(&initialised), "MPI_Initialized");
            if (!initialised)
            {
                detail::check(MPI_Init(argc, argv), "MPI_Init");
                m_owner = true;
            }
        }

        environment(const environment&) = delete;
        environment& operator=(const environment&) = delete;

        ~environment()
        {
            if (m_owner)
            {
                int finalised = 0;
                MPI_Finalized(&finalised);
                if (finalised) { return; }
                int size = 1;
                MPI_Comm_size(MPI_COMM_WORLD, &size);
                if (size > 1 && std::uncaught_exceptions() > m_uncaught)
                {
                    abort_job(MPI_COMM_WORLD, "an exception is unwinding past xoptim::mpi::environment; ending the "
                                              "job instead of waiting in MPI_Finalize for ranks that may wait for "
                                              "this one");
                }
                MPI_Finalize();
            }
        }

    private:
        bool m_owner = false;
        int m_uncaught = 0;
    };

    // A communicator handle (not owned) with its rank and size looked up once.
    class communicator
    {
    public:
        communicator() : communicator(MPI_COMM_WORLD) {}

        explicit communicator(MPI_Comm comm) : m_comm(comm)
        {
            detail::check(MPI_Comm_rank(comm, &m_rank), "MPI_Comm_rank");
            detail::check(MPI_Comm_size(comm, &m_size), "MPI_Comm_size");
        }

        MPI_Comm get() const noexcept { return m_comm; }
        int rank() const noexcept { return m_rank; }
        int size() const noexcept { return m_size; }
        bool is_root() const noexcept { return m_rank == 0; }

        void barrier() const { detail::check(MPI_Barrier(m_comm), "MPI_Barrier"); }

    private:
        MPI_Comm m_comm;
        int m_rank = 0;
        int m_size = 1;
    };

    // The rows [begin, end) of n that rank r of k holds when n rows are split as evenly as
    // possible in rank order (the first n % k ranks hold one more).
    struct row_range
    {
        std::size_t begin = 0;
        std::size_t end = 0;

        std::size_t size() const noexcept { return end - begin; }
        bool contains(std::size_t i) const noexcept { return i >= begin && i < end; }
    };

    inline row_range shard_of(std::size_t n, int rank, int size)
    {
        if (size <= 0 || rank < 0 || rank >= size)
        {
            throw std::invalid_argument("xoptim::mpi::shard_of: rank " + std::to_string(rank) + " is not in [0, "
                                        + std::to_string(size) + ")");
        }
        const auto r = static_cast<std::size_t>(rank);
        const auto k = static_cast<std::size_t>(size);
        const std::size_t base = n / k;
        const std::size_t extra = n % k;
        const std::size_t begin = r * base + (r < extra ? r : extra);
        return {begin, begin + base + (r < extra ? 1 : 0)};
    }
}
