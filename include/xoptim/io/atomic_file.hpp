#pragma once
// Whole-file writes that a crash cannot half-do: the bytes go to a temporary file in the same
// directory, are flushed to the disk (fsync), and the temporary file is renamed over the
// destination, which POSIX makes atomic. A crash at any point leaves either the old file or
// the new one, never a mix; a stray temporary file is all that can remain.

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define XOPTIM_HAVE_POSIX_FILES 1
#else
#define XOPTIM_HAVE_POSIX_FILES 0
#endif

#include "bytes.hpp"

namespace xoptim::detail::ckpt
{
    inline std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

    // The temporary file a write to `path` goes through: "<path>.tmp".
    inline std::filesystem::path temporary_path(const std::filesystem::path& path)
    {
        std::filesystem::path tmp = path;
        tmp += ".tmp";
        return tmp;
    }

    // Opens "<path>.tmp" for writing as a new file: O_EXCL, so an existing name (a stale file,
    // a symbolic link planted there) is never opened, followed or truncated. A stale regular
    // file of this user (a crash between creating and renaming it) is removed and the open
    // retried; anything else in the way is refused. Returns the descriptor, or -1 with `why`.
    inline int create_temporary(const std::filesystem::path& tmp, std::string& why)
    {
#if XOPTIM_HAVE_POSIX_FILES
        for (int attempt = 0; attempt < 3; ++attempt)
        {
            const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (fd >= 0) { return fd; }
            if (errno != EEXIST)
            {
                why = errno_text(errno);
                return -1;
            }
            struct stat st;
            if (::lstat(tmp.c_str(), &st) != 0) { continue; }  // gone in between: try again
            if (S_ISLNK(st.st_mode))
            {
                why = "a symbolic link is in its place (not followed; remove it to write here)";
                return -1;
            }
            if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
            {
                why = "a file that is not a regular file of this user is in its place";
                return -1;
            }
            if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
            {
                why = "cannot remove the stale temporary file: " + errno_text(errno);
                return -1;
            }
        }
        why = "it keeps reappearing";
        return -1;
#else
        (void)tmp;
        (void)why;
        return -1;
#endif
    }

    // Writes `bytes` to `path` through "<path>.tmp" (see the top of this file); every failure
    // throws Error naming the file and the reason, with `path` unchanged and no temporary left.
    template <class Error = checkpoint_error>
    void write_file_atomically(const std::filesystem::path& path, std::span<const unsigned char> bytes)
    {
        const std::filesystem::path tmp = temporary_path(path);
#if XOPTIM_HAVE_POSIX_FILES
        std::string why;
        const int fd = create_temporary(tmp, why);
        if (fd < 0)
        {
            throw Error("cannot create \"" + tmp.string() + "\": " + why + " (\"" + path.string() + "\" is unchanged)");
        }
        auto fail = [&](const char* what, int e) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error(std::string(what) + " \"" + tmp.string() + "\": " + errno_text(e) + " (\"" + path.string()
                        + "\" is unchanged)");
        };
        std::size_t done = 0;
        while (done < bytes.size())
        {
            const ::ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
            if (n < 0)
            {
                if (errno == EINTR) { continue; }
                fail("cannot write", errno);
            }
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd) != 0) { fail("cannot flush", errno); }
        if (::close(fd) != 0)
        {
            const int e = errno;
            ::unlink(tmp.c_str());
            throw Error("cannot close \"" + tmp.string() + "\": " + errno_text(e) + " (\"" + path.string()
                        + "\" is unchanged)");
        }
        if (::rename(tmp.c_str(), path.c_str()) != 0)
        {
            const int e = errno;
            ::unlink(tmp.c_str());
            throw Error("cannot rename \"" + tmp.string() + "\" to \"" + path.string() + "\": " + errno_text(e) + " (\""
                        + path.string() + "\" is unchanged)");
        }
        // Make the rename itself durable (best effort: not every file system allows it).
        std::filesystem::path dir = path.parent_path();
        if (dir.empty()) { dir = "."; }
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
        {
            ::fsync(dfd);
            ::close(dfd);
        }
#else
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
            out.flush();
            if (!out)
            {
                out.close();
                std::error_code ignored;
                std::filesystem::remove(tmp, ignored);
                throw Error("cannot write \"" + tmp.string() + "\" (\"" + path.string() + "\" is unchanged)");
            }
        }
        std::error_code ec;
        std::filesystem::rename(tmp, path, ec);
        if (ec)
        {
            std::error_code ignored;
            std::filesystem::remove(tmp, ignored);
            throw Error("cannot rename \"" + tmp.string() + "\" to \"" + path.string() + "\": " + ec.message());
        }
#endif
    }

    // The whole file, or checkpoint_error naming the path and the reason.
    inline std::vector<unsigned char> read_file(const std::filesystem::path& path)
    {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
        {
            throw checkpoint_error("cannot read \"" + path.string() + "\": "
                                   + (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) { throw checkpoint_error("cannot open \"" + path.string() + "\""); }
        std::vector<unsigned char> bytes;
        char buf[1 << 16];
        while (in)
        {
            in.read(buf, sizeof buf);
            bytes.insert(bytes.end(), buf, buf + in.gcount());
        }
        if (in.bad()) { throw checkpoint_error("cannot read \"" + path.string() + "\""); }
        return bytes;
    }
}
