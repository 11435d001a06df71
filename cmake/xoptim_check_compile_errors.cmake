# Run by the ctest test compile.bad_rule (cmake -P). Each source under tests/compile_errors/ is
# a small program with one broken rule, and the line before the one that must fail reads
#   // expected error on the next line: <rule>, <member>
# The source is compiled twice from SOURCE_DIR, with relative paths (so that the sizes below
# do not depend on where the project lives) and in the C locale (plain quotes):
#  - as it is: the compilation fails; the first error is at the source's next line; the rule
#    is named within the first RULE_LINES lines and RULE_CHARS characters of the output; the
#    member within the first MEMBER_LINES lines and MEMBER_CHARS characters (lines that quote
#    the source do not count as naming them); the whole output has at most MAX_LINES lines
#    and MAX_CHARS characters, none longer than MAX_LINE_CHARS;
#  - with -DXOPTIM_TEST_FIXED, which gives the rule what it misses: it compiles.
# Inputs: CXX SOURCE_DIR SOURCES FLAGS (the last two separated by '|').

cmake_minimum_required(VERSION 3.21)

set(RULE_LINES 10)
set(RULE_CHARS 2000)
set(MEMBER_LINES 30)
set(MEMBER_CHARS 3500)
set(MAX_LINES 50)
set(MAX_CHARS 5000)
set(MAX_LINE_CHARS 400)

string(REPLACE "|" ";" sources "${SOURCES}")
string(REPLACE "|" ";" flags "${FLAGS}")
if(NOT sources)
  message(FATAL_ERROR "compile.bad_rule: no sources")
endif()

set(failures "")
foreach(source IN LISTS sources)
  file(READ "${SOURCE_DIR}/${source}" text)
  set(marker "// expected error on the next line: ")
  string(FIND "${text}" "${marker}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "compile.bad_rule: ${source} has no line '${marker}<rule>, <member>'")
  endif()
  string(SUBSTRING "${text}" 0 ${at} head)
  string(REGEX MATCHALL "\n" newlines "${head}")
  list(LENGTH newlines before)
  math(EXPR error_line "${before} + 2")
  string(LENGTH "${marker}" marker_length)
  math(EXPR names_at "${at} + ${marker_length}")
  string(SUBSTRING "${text}" ${names_at} -1 names)
  string(FIND "${names}" "\n" end)
  string(SUBSTRING "${names}" 0 ${end} names)
  string(FIND "${names}" ", " comma)
  string(SUBSTRING "${names}" 0 ${comma} rule)
  math(EXPR member_at "${comma} + 2")
  string(SUBSTRING "${names}" ${member_at} -1 member)

  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C "${CXX}" ${flags} "${source}"
    WORKING_DIRECTORY "${SOURCE_DIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(APPEND err "${out}")
  if(rc EQUAL 0)
    string(APPEND failures "\n${source}: compiled, but the rule misses ${member}")
    continue()
  endif()

  # Walk the output line by line (not as a CMake list: it holds ';' and brackets).
  set(rest "${err}")
  set(n 0)
  set(chars 0)
  set(longest 0)
  set(first_error "")
  set(rule_line 0)
  set(rule_chars 0)
  set(member_line 0)
  set(member_chars 0)
  while(NOT rest STREQUAL "")
    string(FIND "${rest}" "\n" nl)
    if(nl EQUAL -1)
      set(line "${rest}")
      set(rest "")
    else()
      string(SUBSTRING "${rest}" 0 ${nl} line)
      math(EXPR next "${nl} + 1")
      string(SUBSTRING "${rest}" ${next} -1 rest)
    endif()
    math(EXPR n "${n} + 1")
    string(LENGTH "${line}" length)
    math(EXPR chars "${chars} + ${length} + 1")
    if(length GREATER longest)
      set(longest ${length})
    endif()
    if(first_error STREQUAL "" AND line MATCHES ": error: ")
      set(first_error "${line}")
    endif()
    if(line MATCHES "^ +[0-9]* \\|")  # the source quoted under a diagnostic, or its caret
      continue()
    endif()
    if(rule_line EQUAL 0)
      string(FIND "${line}" "${rule}" hit)
      if(NOT hit EQUAL -1)
        set(rule_line ${n})
        set(rule_chars ${chars})
      endif()
    endif()
    if(member_line EQUAL 0)
      string(FIND "${line}" "${member}" hit)
      if(NOT hit EQUAL -1)
        set(member_line ${n})
        set(member_chars ${chars})
      endif()
    endif()
  endwhile()

  message(STATUS "${source}: ${n} lines, ${chars} characters, longest line ${longest}; "
    "${rule} named at line ${rule_line} (${rule_chars} characters), ${member} at line ${member_line} "
    "(${member_chars} characters)")

  set(problems "")
  string(FIND "${first_error}" "${source}:${error_line}:" hit)
  if(NOT hit EQUAL 0)
    string(APPEND problems "\n  the first error is not at ${source}:${error_line}: '${first_error}'")
  endif()
  if(rule_line EQUAL 0 OR rule_line GREATER RULE_LINES OR rule_chars GREATER RULE_CHARS)
    string(APPEND problems "\n  ${rule} is not named within the first ${RULE_LINES} lines and ${RULE_CHARS} characters")
  endif()
  if(member_line EQUAL 0 OR member_line GREATER MEMBER_LINES OR member_chars GREATER MEMBER_CHARS)
    string(APPEND problems
      "\n  ${member} is not named within the first ${MEMBER_LINES} lines and ${MEMBER_CHARS} characters")
  endif()
  if(n GREATER MAX_LINES OR chars GREATER MAX_CHARS OR longest GREATER MAX_LINE_CHARS)
    string(APPEND problems "\n  the output is longer than ${MAX_LINES} lines, ${MAX_CHARS} characters or "
      "${MAX_LINE_CHARS} characters a line")
  endif()

  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C "${CXX}" ${flags} -DXOPTIM_TEST_FIXED "${source}"
    WORKING_DIRECTORY "${SOURCE_DIR}"
    RESULT_VARIABLE fixed_rc OUTPUT_VARIABLE fixed_out ERROR_VARIABLE fixed_err)
  if(NOT fixed_rc EQUAL 0)
    string(APPEND problems "\n  with -DXOPTIM_TEST_FIXED it does not compile:\n${fixed_err}${fixed_out}")
  endif()

  if(NOT problems STREQUAL "")
    string(APPEND failures "\n${source}:${problems}\n  the compiler's output:\n${err}")
  endif()
endforeach()

if(NOT failures STREQUAL "")
  message(NOTICE "${failures}")  # as the compiler wrote it, not rewrapped
  message(FATAL_ERROR "compile.bad_rule: see above")
endif()
