// xoptim/viz/file.hpp -- writing a figure, a page or a table to a file, checked and atomic.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../io/atomic_file.hpp"

namespace xoptim::viz
{
    /// Writes text to a file atomically (io/atomic_file.hpp: through "<filename>.tmp", renamed
    /// over the file once every byte is written and flushed), so that the file is either complete
    /// or as it was. Every failure (the directory cannot be written, the disk is full, a file size
    /// limit) throws std::runtime_error naming the file and the reason.
    inline void write_text_file(const std::string& filename, std::string_view text)
    {
        xoptim::detail::ckpt::write_file_atomically<std::runtime_error>(
            filename, std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
    }
}
