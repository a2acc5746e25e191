# The rooms of the tree and what each may include (CONTRIBUTING.md), checked over the
# sources' #include lines: a layer that reaches past its room fails the suite, naming the file
# and the line. Run by ctest (layers_check); by hand: cmake -DROOT=<repo> -P tests/layers_check.cmake

if(NOT ROOT)
  message(FATAL_ERROR "pass -DROOT=<repository root>")
endif()

set(violations "")

# check(<glob...> FORBID <regex> WHY <text>): no #include line of the files matching the globs
# may match the regex.
function(check)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "FORBID;WHY" "FILES")
  file(GLOB files LIST_DIRECTORIES false ${arg_FILES})
  foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS lines)
      if(line MATCHES "${arg_FORBID}")
        file(RELATIVE_PATH relative "${ROOT}" "${file}")
        string(STRIP "${line}" line)
        list(APPEND violations "${relative}: ${line} (${arg_WHY})")
      endif()
    endforeach()
  endforeach()
  set(violations "${violations}" PARENT_SCOPE)
endfunction()

check(FILES ${ROOT}/include/pixxel/*.hpp
      FORBID "curl/|\"[^p][^\"]*\"|\"p[^i][^\"]*\""
      WHY "public headers include only pixxel/ headers, the standard library and nlohmann/json")
check(FILES ${ROOT}/src/*.hpp ${ROOT}/src/*.cpp ${ROOT}/src/decode/* ${ROOT}/src/models/*
            ${ROOT}/src/download/*
      FORBID "<curl/|\"curl/"
      WHY "only src/curl/ sees libcurl")
check(FILES ${ROOT}/src/decode/* ${ROOT}/src/models/*
      FORBID "pipeline|async_engine|connection|transport|curl|retry_rules|wait"
      WHY "models and decoding know nothing of HTTP or calls")
check(FILES ${ROOT}/src/pipeline.* ${ROOT}/src/retry_rules.* ${ROOT}/src/redirect.*
            ${ROOT}/src/wait.* ${ROOT}/src/failure.* ${ROOT}/src/http_method.* ${ROOT}/src/clock.*
      FORBID "\"decode/|\"models/|connection_impl|\"curl/"
      WHY "the pipeline, its rules and the waits' rules are the same for every call and transport")
check(FILES ${ROOT}/src/curl/*
      FORBID "retry_rules|pipeline|connection|\"decode/|\"models/|wait"
      WHY "the libcurl layer sends what it is given; retrying and decoding are the pipeline's")
check(FILES ${ROOT}/tools/pixxel/*.hpp ${ROOT}/tools/pixxel/*.cpp
      FORBID "\"((text|redact|url|settings|pipeline|connection_impl|failure|endpoints|http_method|clock|retry_rules|async_engine)\\.hpp|decode/|models/|curl/)"
      WHY "the CLI uses only the public API")
check(FILES ${ROOT}/tools/mock_server/*.hpp ${ROOT}/tools/mock_server/*.cpp
      FORBID "\"pixxel/|<pixxel/"
      WHY "the mock server is a fake server and does not use the SDK")
check(FILES ${ROOT}/tools/mock_server/*.hpp
      FORBID "\"mock_server.hpp\""
      WHY "the mock server's own headers take MockOptions from mock_options.hpp")

if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "includes that reach past their room:\n  ${text}")
endif()
message(STATUS "every #include stays in its room")
