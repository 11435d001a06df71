#pragma once
// Test support for the visualisation module: write a document to the test output
// directory and check it with a real XML parser (xmllint, Debian's libxml2-utils).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "paths.hpp"
#include <doctest/doctest.h>

namespace xoptim_viz_test
{
    inline std::filesystem::path output_dir()
    {
        std::filesystem::path dir = std::filesystem::path(xoptim_test::output_dir()) / "viz";
        std::filesystem::create_directories(dir);
        return dir;
    }

    inline std::filesystem::path write_output(const std::string& name, const std::string& text)
    {
        const auto path = output_dir() / name;
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    inline bool have_xmllint() { return std::system("command -v xmllint > /dev/null 2>&1") == 0; }

    /// True when xmllint parses the file without an error.
    inline bool xml_well_formed(const std::filesystem::path& path)
    {
        REQUIRE_MESSAGE(have_xmllint(), "xmllint is needed to check the XML (apt-get install libxml2-utils)");
        const std::string cmd = "xmllint --noout '" + path.string() + "' 2> '" + path.string() + ".xmllint.txt'";
        return std::system(cmd.c_str()) == 0;
    }

    /// The output of an XPath query run by xmllint on the file (empty on failure).
    inline std::string xpath(const std::filesystem::path& path, const std::string& expr)
    {
        REQUIRE(have_xmllint());
        const auto out = path.string() + ".xpath.txt";
        const std::string cmd = "xmllint --xpath \"" + expr + "\" '" + path.string() + "' > '" + out + "' 2>/dev/null";
        if (std::system(cmd.c_str()) != 0) { return {}; }
        std::ifstream in(out);
        std::string s(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
        if (!s.empty() && s.back() == '\n')
        {
            s.pop_back();  // xmllint ends its output with a line break
        }
        return s;
    }

    inline std::size_t count(const std::string& text, const std::string& what)
    {
        std::size_t n = 0;
        for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) { ++n; }
        return n;
    }
}
