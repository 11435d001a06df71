# xoptim_target_warnings(<target>)
# Strict warnings, as errors, for the project's own targets (tests, examples, tools,
# benchmarks). Never applied to the xoptim INTERFACE target: users keep their own flags.
function(xoptim_target_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 /WX /permissive-)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
  endif()
endfunction()
